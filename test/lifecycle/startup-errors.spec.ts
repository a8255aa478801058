/** A server that cannot run stops at once, with exit code 1 and one line that says why. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cleanUp, ensureBuilt, freePort, isAlive, postmasterPid, ROOT, spawnServer, tempDir } from './server-process';

// a loaded machine takes seconds to start node, and more to start an embedded PostgreSQL
jest.setTimeout(90_000);

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => cleanUp());

async function startFails(env: Record<string, string>) {
  const server = spawnServer({ PORT: String(await freePort()), DATA_DIR: tempDir(), ...env });
  const exit = await server.waitForExit(60_000);
  return { exit, stderr: server.stderr().trim() };
}

/**
 * Every configuration value loadConfig refuses, with its exact message, is in apps/registry/src/config/config.spec.ts;
 * here one of them shows that the process stops with exit 1 and that message on one line.
 */
describe('configuration errors stop the start', () => {
  it('PORT=abc → exit 1 with one line naming the variable', async () => {
    const { exit, stderr } = await startFails({ PORT: 'abc' });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr).toBe('device-registry: configuration: PORT must be an integer, got "abc"');
  });
});

describe('a taken AMQP port', () => {
  it('stops the start with one line naming AMQP_PORT', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const { exit, stderr } = await startFails({ HOST: '127.0.0.1', AMQP_PORT: String(port) });
      expect(exit).toEqual({ code: 1, signal: null });
      expect(stderr.split('\n').filter((line) => !line.includes('PostgreSQL'))).toHaveLength(1);
      expect(stderr).toMatch(new RegExp(`AMQP_PORT.*${port}|${port}.*AMQP_PORT`));
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});

describe('an unreachable DATABASE_URL', () => {
  it('is retried for DATABASE_WAIT_SECONDS, then the start fails with a clear message', async () => {
    const closedPort = await freePort();
    const started = Date.now();
    const { exit, stderr } = await startFails({
      DATABASE_URL: `postgres://registry:hunter2@127.0.0.1:${closedPort}/registry`,
      SECRET_KEY: 'k'.repeat(64),
      DATABASE_WAIT_SECONDS: '2',
    });
    expect(exit.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const lines = stderr.split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2); // at least one "waiting for …" line before giving up
    expect(lines.at(-1)).toMatch(new RegExp(`database not reachable after 2s: .*ECONNREFUSED.*DATABASE_URL=postgres://registry:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/registry`));
    expect(stderr).not.toContain('hunter2');
  });
});

describe('start-up failures are one line naming the cause, exit 1, no stack trace', () => {
  const oneLine = (stderr: string) => {
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at |Error:/);
  };

  it('PORT in use: names PORT and HOST, and stops the embedded PostgreSQL it had started', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const dataDir = tempDir();
      const server = spawnServer({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir });
      const exit = await server.waitForExit(60_000);
      expect(exit).toEqual({ code: 1, signal: null });
      const stderr = server.stderr().trim();
      oneLine(stderr);
      expect(stderr).toBe(`device-registry: PORT ${port} is already in use on HOST 127.0.0.1 (another process listens on 127.0.0.1:${port})`);
      expect(server.stdout()).not.toContain('successfully started');
      const postgres = postmasterPid(dataDir);
      if (postgres !== undefined) expect(isAlive(postgres)).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('an unknown HOST', async () => {
    const { exit, stderr } = await startFails({ HOST: 'no-such-host.invalid' });
    expect(exit).toEqual({ code: 1, signal: null });
    oneLine(stderr);
    expect(stderr).toMatch(/^device-registry: HOST "no-such-host\.invalid" is not a known host name or address \(ENOTFOUND: /);
  });

  it('a DATA_DIR that cannot be written', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const { exit, stderr } = await startFails({ DATA_DIR: join(file, 'data') });
    expect(exit).toEqual({ code: 1, signal: null });
    oneLine(stderr);
    expect(stderr).toMatch(new RegExp(`^device-registry: DATA_DIR ${join(file, 'data')} is not a writable directory \\(ENOTDIR: `));
  });

  it('npm start before npm ci: says to run npm ci', () => {
    const clone = tempDir();
    mkdirSync(join(clone, 'scripts'));
    copyFileSync(join(ROOT, 'scripts/build-if-needed.js'), join(clone, 'scripts/build-if-needed.js'));
    const result = spawnSync(process.execPath, [join(clone, 'scripts/build-if-needed.js')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`device-registry: ${join(clone, 'node_modules')} is missing: run \`npm ci\` first\n`);
  });
});
