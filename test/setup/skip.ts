type TestFunction = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

/**
 * `it` when `condition` holds; otherwise the test is skipped and `reason` travels in its title, which the
 * run's summary prints (test/setup/skip-reporter.js), so "1 skipped" always says why.
 */
export function itIf(condition: boolean, reason: string): TestFunction {
  return condition ? it : (name, fn, timeout) => it.skip(`${name} (skipped: ${reason})`, fn, timeout);
}
