/**
 * PostgreSQL going away under a running service: /health and the data routes answer 503 (no hang, no
 * 500) while it is down, and everything works again once it is back, without a restart. The database
 * is a dedicated embedded PostgreSQL this suite starts and stops itself, never the shared test server.
 */
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createRegistryApp } from '../../apps/registry/src/app';
import { loadConfig } from '../../apps/registry/src/config/config';
import { migrate } from '../../apps/registry/src/database/data-source';
import { cleanUp, ensureBuilt, PostgresProcess, startPostgresProcess, tempDir } from './server-process';

jest.setTimeout(60_000);

const SECRET_KEY = 'o'.repeat(64);
let dataDir: string;
let postgres: PostgresProcess | undefined;
let port: number;
let app: NestFastifyApplication;
let baseUrl: string;

const ADMIN = { username: 'outage-admin', password: 'outage-password-1' };
const AUTHORIZATION = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;

function get(path: string) {
  return fetch(`${baseUrl}${path}`, { headers: { authorization: AUTHORIZATION }, signal: AbortSignal.timeout(8000) });
}

async function statusWithin(path: string, expected: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await get(path)).status;
    if (status === expected) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

beforeAll(async () => {
  ensureBuilt();
  dataDir = tempDir('registry-outage-');
  postgres = await startPostgresProcess(dataDir);
  port = Number(new URL(postgres.url).port);
  await migrate(postgres.url);
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: postgres.url,
    SECRET_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    BCRYPT_MAX_COST: '4',
    AMQP_PORT: '0',
    AMQPS_PORT: '0',
  });
  app = await createRegistryApp({ config, databaseUrl: postgres.url, secretKey: SECRET_KEY });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
}, 180_000);

afterAll(async () => {
  await app?.close().catch(() => undefined);
  await postgres?.stop().catch(() => undefined);
  await cleanUp();
});

it('answers 503 while PostgreSQL is down and recovers by itself when it is back', async () => {
  expect((await get('/health')).status).toBe(200);
  expect((await get('/v1/devices/outage-tenant/some-device')).status).toBe(404);

  await postgres!.stop();
  postgres = undefined;

  const started = Date.now();
  const health = await get('/health');
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
  const data = await get('/v1/devices/outage-tenant/some-device');
  expect(data.status).toBe(503);
  expect(data.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await data.json()).toEqual({ error: expect.stringMatching(/database/i) });
  expect(data.headers.get('retry-after')).toBe('5');
  expect((await get('/v1/tenants/outage-tenant')).status).toBe(503);
  expect(Date.now() - started).toBeLessThan(8000);

  postgres = await startPostgresProcess(dataDir, port);
  expect(await statusWithin('/health', 200, 15_000)).toBe(200);
  expect(await statusWithin('/v1/devices/outage-tenant/some-device', 404, 5_000)).toBe(404);
});
