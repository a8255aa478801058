/** A server that cannot run stops at once, with exit code 1 and one line that says why. */
import { createServer } from 'node:net';
import { cleanUp, ensureBuilt, freePort, spawnServer, tempDir } from './server-process';

jest.setTimeout(60_000);

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => cleanUp());

async function startFails(env: Record<string, string>) {
  const server = spawnServer({ PORT: String(await freePort()), DATA_DIR: tempDir(), ...env });
  const exit = await server.waitForExit(20_000);
  return { exit, stderr: server.stderr().trim() };
}

describe('configuration errors stop the start', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['BCRYPT_MAX_COST', '99'],
    ['DATABASE_URL', 'notaurl'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_BODY_BYTES', '-5'],
    ['SECRET_KEY', 'short'],
    ['OCPI_ROLE', 'KING'],
    ['DATABASE_PREPARED_STATEMENTS', 'sometimes'],
    ['AMQP_PORT', 'amqp'],
    ['AMQPS_PORT', '99999'],
    ['AMQP_TLS_KEY', '/only/the/key.pem'],
  ])('%s=%s → exit 1 with one line naming the variable', async (name, value) => {
    const { exit, stderr } = await startFails({ [name]: value });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain(name);
  });

  it('DATABASE_URL without SECRET_KEY → exit 1, saying SECRET_KEY is required', async () => {
    const { exit, stderr } = await startFails({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/SECRET_KEY is required with DATABASE_URL/);
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
