/** The run's summary names every skipped test with its reason (see skip.ts). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SkipReporter = require('./skip-reporter.js');

function summary(testNamePattern: string | undefined, tests: { status: string; title: string; fullName: string }[]): string {
  let written = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((written += String(chunk)), true));
  try {
    new SkipReporter({ rootDir: '/repo', testNamePattern }).onRunComplete([], { testResults: [{ testFilePath: '/repo/test/a.spec.ts', testResults: tests }] });
  } finally {
    spy.mockRestore();
  }
  return written;
}

describe('skip reasons in the summary', () => {
  it('lists each skipped test with the reason in its title', () => {
    const text = summary(undefined, [
      { status: 'pending', title: 'validates (skipped: docker-compose is not installed)', fullName: 'compose validates (skipped: docker-compose is not installed)' },
      { status: 'passed', title: 'runs', fullName: 'compose runs' },
    ]);
    expect(text).toBe('\nSkipped (1):\n  test/a.spec.ts › compose validates (skipped: docker-compose is not installed)\n');
  });

  it('with -t, leaves out what the pattern filtered and keeps what says why', () => {
    expect(summary('runs', [{ status: 'pending', title: 'other', fullName: 'other' }])).toBe('');
    expect(summary('runs', [{ status: 'pending', title: 'x (skipped: not root)', fullName: 'x (skipped: not root)' }])).toContain('x (skipped: not root)');
  });
});
