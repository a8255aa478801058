/**
 * The service process runs without V8's allocation-site pretenuring (heap-settings.ts): objects of one
 * allocation site that all survive start in the young generation and are promoted by scavenges, instead
 * of going to the old generation directly once V8 has judged the site long-lived.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, MAIN, ROOT } from '../../../test/lifecycle/server-process';

const HEAP_SETTINGS = join(ROOT, 'dist/apps/registry/src/heap-settings.js');

/** Scavenges while 1,000,000 objects of one literal, all kept, are allocated after 300,000 like them. */
function scavengesForSurvivingCohort(preload: string[]): number {
  const script = `
    const { PerformanceObserver, constants } = require('node:perf_hooks');
    let minor = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
    }).observe({ entryTypes: ['gc'] });
    const make = (i) => ({ i, list: [i, i + 1] });
    const keep = [];
    for (let i = 0; i < 300000; i++) keep.push(make(i));
    setTimeout(() => {
      const before = minor;
      for (let i = 0; i < 1000000; i++) keep.push(make(i));
      setTimeout(() => process.stdout.write(String(minor - before)), 20);
    }, 20);`;
  // the same small young generation in every run, so the count does not follow each Node version's sizing
  const args = ['--max-semi-space-size=4', ...preload.flatMap((path) => ['--require', path]), '-e', script];
  return Number(execFileSync(process.execPath, args, { encoding: 'utf8' }));
}

beforeAll(() => ensureBuilt(), 180_000);

// Whether V8 pretenures such a site on its own varies with the Node.js version and the machine (Node 20 did
// here, within 10 scavenges; Node 24 sometimes does not), so only what the settings guarantee is asserted.
describe('heap settings', () => {
  it('main.js sets them before it loads anything else', () => {
    // records each setFlagsFromString call and the modules loaded before it; a bad PORT ends the start right after
    const recorder = `
      const v8 = require('node:v8');
      const Module = require('node:module');
      const loaded = [];
      const load = Module._load;
      Module._load = function (request, ...rest) { loaded.push(request); return load.call(this, request, ...rest); };
      const set = v8.setFlagsFromString;
      v8.setFlagsFromString = (flag) => { process.stderr.write('FLAG ' + JSON.stringify({ flag, before: loaded.slice(1) }) + '\\n'); set(flag); };`;
    const started = spawnSync(process.execPath, ['-e', `${recorder}\nrequire(${JSON.stringify(MAIN)})`], { env: { ...process.env, PORT: 'not-a-port' }, encoding: 'utf8' });
    expect(started.stderr).toContain('PORT must be an integer');
    const calls = started.stderr
      .split('\n')
      .filter((line) => line.startsWith('FLAG '))
      .map((line) => JSON.parse(line.slice(5)));
    const before = ['./heap-settings', 'node:v8'];
    expect(calls).toEqual([
      { flag: '--no-allocation-site-pretenuring', before },
      { flag: '--heap-growing-percent=100', before },
    ]);
  });

  it('with the settings main.js loads first, the same objects start young and are promoted by scavenges', () => {
    expect(scavengesForSurvivingCohort([HEAP_SETTINGS])).toBeGreaterThanOrEqual(20);
  });
});
