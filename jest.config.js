/** One embedded (or DATABASE_URL) PostgreSQL per run; every suite gets its own database from a migrated template. */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
  // the fault tests (kill -9, PostgreSQL restarts, fuzzing, races) run on their own: npm run test:faults
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  maxWorkers: 2,
  // the summary names each skipped test and why it was skipped
  reporters: ['default', '<rootDir>/test/setup/skip-reporter.js'],
  testTimeout: 30000,
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@fastify/cookie|file-type|strtok3|token-types|@tokenizer|uint8array-extras|load-esm|content-disposition|cookie)/)',
  ],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          // resolves the @app/* aliases at transform time, so globalSetup (which ignores moduleNameMapper) can use them
          baseUrl: __dirname,
          paths: { '@app/*': ['libs/*/src'] },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
};
