// Flat config: typescript-eslint's recommended rules without type information (fast enough to run on every check).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'bench/.data/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      // Node's globals (the `globals` package is not a dependency; this is the part the code uses).
      globals: Object.fromEntries(
        [
          'process', 'console', 'Buffer', '__dirname', '__filename', 'require', 'module', 'exports',
          'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask',
          'fetch', 'Headers', 'Request', 'Response', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal',
          'TextEncoder', 'TextDecoder', 'performance', 'structuredClone',
        ].map((name) => [name, ['module', 'exports'].includes(name) ? 'writable' : 'readonly']),
      ),
    },
    rules: {
      // input validation matches control characters (NUL, …) on purpose
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Plain CommonJS scripts (build helper, benchmarks, jest config).
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // tests may use any (parsed JSON bodies, mocks); production code may not
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
