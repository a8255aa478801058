/**
 * A server that cannot run stops at once, with exit code 1 and one line that says why. The checks behind
 * each reason are unit tests beside the code that makes them: configuration in apps/registry/src/config/config.spec.ts
 * (loadConfig), HOST, DATA_DIR, an unreachable DATABASE_URL and listen failures in startup-checks.spec.ts,
 * the retries in libs/database/src/wait-for-database.spec.ts. Two processes here show the way out: a refused
 * configuration, and a failure after the embedded PostgreSQL had started.
 */
import { AmqpListenError } from '@app/adapter-api';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createRegistryApp } from '../../apps/registry/src/app';
import { loadConfig } from '../../apps/registry/src/config/config';
import { createTestDatabase } from '../setup/test-database';
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
  it('fails the start with one line naming AMQP_PORT and the port (what main prints)', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    const databaseUrl = await createTestDatabase();
    const config = loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, SECRET_KEY: 'k'.repeat(64), HOST: '127.0.0.1', PORT: '0', AMQP_PORT: String(port) });
    const app = await createRegistryApp({ config, databaseUrl, secretKey: 'k'.repeat(64) });
    try {
      const error = await app.listen({ port: 0, host: '127.0.0.1' }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(AmqpListenError);
      expect((error as Error).message).toBe(`cannot listen for AMQP on 127.0.0.1:${port} (AMQP_PORT): port ${port} is already in use; set AMQP_PORT=0 to turn it off`);
    } finally {
      await app.close();
      blocker.close();
    }
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

  it('npm start before npm ci: says to run npm ci', () => {
    const clone = tempDir();
    mkdirSync(join(clone, 'scripts'));
    copyFileSync(join(ROOT, 'scripts/build-if-needed.js'), join(clone, 'scripts/build-if-needed.js'));
    const result = spawnSync(process.execPath, [join(clone, 'scripts/build-if-needed.js')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`device-registry: ${join(clone, 'node_modules')} is missing: run \`npm ci\` first\n`);
  });
});
