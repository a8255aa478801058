// Lists the skipped tests at the end of a run, with the reason their title carries (test/setup/skip.ts).
const { relative } = require('node:path');

class SkipReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }

  onRunComplete(_contexts, results) {
    // with -t, every test the pattern leaves out is "skipped" too: then only those that say why
    const filtered = Boolean(this.globalConfig.testNamePattern);
    const skipped = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending' && test.status !== 'todo') continue;
        if (filtered && !test.title.includes('(skipped: ')) continue;
        skipped.push(`  ${relative(this.globalConfig.rootDir, file.testFilePath)} › ${test.fullName}`);
      }
    }
    if (skipped.length === 0) return;
    process.stderr.write(`\nSkipped (${skipped.length}):\n${skipped.join('\n')}\n`);
  }
}

module.exports = SkipReporter;
