/**
 * PostgreSQL stopped and started again while a stream of reads and writes runs against the service
 * (the built server as its own process; the database a dedicated embedded PostgreSQL this suite starts,
 * never the shared server). Complements test/lifecycle/database-outage.spec.ts (single requests,
 * in-process app): here clients keep going through the whole outage. Every answer is bounded by a
 * timeout; none may be a 500 or a hang; while the database is down every answer is a 503 (the writes
 * included) and /health says so; afterwards the same process serves again and writes land.
 */
import {
  cleanUp,
  ensureBuilt,
  freePort,
  PostgresProcess,
  ServerProcess,
  spawnServer,
  startPostgresProcess,
  tempDir,
  waitUntilServing,
} from '../lifecycle/server-process';

jest.setTimeout(120_000);

const ADMIN = { username: 'restart-admin', password: 'restart-password-1' };
const HEADERS = {
  authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`,
  'content-type': 'application/json',
};
const TENANT = 'restart-tenant';
const TIMEOUT = 8000;

let postgres: PostgresProcess | undefined;
let server: ServerProcess;

beforeAll(async () => {
  ensureBuilt();
  const dataDir = tempDir('registry-restart-');
  postgres = await startPostgresProcess(dataDir);
  const pgPort = Number(new URL(postgres.url).port);
  server = spawnServer({
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    DATABASE_URL: postgres.url,
    SECRET_KEY: 'r'.repeat(64),
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    BCRYPT_MAX_COST: '4',
    LOG_LEVEL: 'warn',
  });
  await waitUntilServing(server, 60_000);
  Object.assign(globalThis, { restartTarget: { dataDir, pgPort } });
}, 180_000);

afterAll(async () => {
  await postgres?.stop().catch(() => undefined);
  await cleanUp();
});

type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'recovered';

interface Outcome {
  phase: Phase;
  request: string;
  status: number | 'timeout' | 'error';
  ms: number;
}

it('answers 503 (never 500, never a hang) while PostgreSQL is down, and recovers by itself', async () => {
  const { dataDir, pgPort } = (globalThis as unknown as { restartTarget: { dataDir: string; pgPort: number } }).restartTarget;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${server.baseUrl}${path}`, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT) });
  expect((await call('POST', `/v1/tenants/${TENANT}`, {})).status).toBe(201);
  expect((await call('POST', `/v1/devices/${TENANT}/known`, { ext: { a: 1 } })).status).toBe(201);
  expect((await call('PUT', `/v1/credentials/${TENANT}/known`, [{ type: 'hashed-password', 'auth-id': 'known', secrets: [{ 'pwd-plain': 'known-pw' }] }])).status).toBe(204);

  let phase: Phase = 'up';
  let running = true;
  const outcomes: Outcome[] = [];
  let n = 0;
  const requests: Array<() => [string, string, unknown?]> = [
    () => ['GET', `/v1/devices/${TENANT}/known`],
    () => ['POST', `/v1/devices/${TENANT}/stream-${n++}`, { ext: { n } }],
    () => ['PUT', `/v1/devices/${TENANT}/known`, { ext: { a: n++ } }],
    () => ['GET', `/v1/devices/${TENANT}?pageSize=5`],
    () => ['GET', `/v1/credentials/${TENANT}/known`],
    () => ['POST', `/v1/authenticate/${TENANT}`, { type: 'hashed-password', 'auth-id': 'known', password: 'known-pw' }],
    () => ['GET', '/api/me'],
    () => ['GET', '/health'],
  ];
  const client = async (c: number) => {
    for (let i = c; running; i++) {
      const [method, path, body] = requests[i % requests.length]();
      const at = phase;
      const started = Date.now();
      let status: Outcome['status'];
      try {
        const response = await call(method, path, body);
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
      }
      // a request belongs to a phase only if it started and ended in it
      outcomes.push({ phase: at === phase ? at : 'stopping', request: `${method} ${path.replace(/stream-\d+/, 'stream-n')}`, status, ms: Date.now() - started });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const clients = Array.from({ length: 4 }, (_, c) => client(c));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  await sleep(1000);
  phase = 'stopping';
  await postgres!.stop();
  postgres = undefined;
  await sleep(500); // in-flight requests from before the stop settle
  phase = 'down';
  await sleep(4000);
  phase = 'starting';
  postgres = await startPostgresProcess(dataDir, pgPort);
  // recovery without a restart of the service: /health turns 200 on its own
  const deadline = Date.now() + 20_000;
  let health: number;
  const alive = () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`the service exited (${server.child.exitCode ?? server.child.signalCode}) during the outage; stderr:\n${server.stderr().slice(-3000)}`);
    }
  };
  alive();
  const healthStatus = () =>
    call('GET', '/health').then(
      (response) => response.status,
      (error: Error) => {
        alive();
        throw error;
      },
    );
  while ((health = await healthStatus()) !== 200 && Date.now() < deadline) await sleep(200);
  expect({ health, waited: 20_000 - (deadline - Date.now()) }).toEqual({ health: 200, waited: expect.any(Number) });
  phase = 'recovered';
  await sleep(2000);
  running = false;
  await Promise.all(clients);

  const summary = (p: Phase) => {
    const counts: Record<string, number> = {};
    for (const o of outcomes.filter((x) => x.phase === p)) counts[`${o.request} → ${o.status}`] = (counts[`${o.request} → ${o.status}`] ?? 0) + 1;
    return counts;
  };
  const byPhase = (p: Phase) => outcomes.filter((o) => o.phase === p);

  // never a 500, a hang or a dropped connection, in any phase
  expect(outcomes.filter((o) => typeof o.status !== 'number' || o.status >= 500).filter((o) => o.status !== 503)).toEqual([]);
  // before: all fine
  expect(byPhase('up').length).toBeGreaterThan(10);
  expect(byPhase('up').filter((o) => typeof o.status !== 'number' || o.status >= 400)).toEqual([]);
  // down: every request, reads and writes, /health included, is a 503, and quickly
  expect(byPhase('down').length).toBeGreaterThan(10);
  // (GET /api/me of the bootstrap admin may be answered from the authentication cache, without the database)
  expect(byPhase('down').filter((o) => o.status !== 503 && !(o.request === 'GET /api/me' && o.status === 200))).toEqual([]);
  expect(Object.keys(summary('down'))).toEqual(expect.arrayContaining([`POST /v1/devices/${TENANT}/stream-n → 503`, 'GET /health → 503']));
  expect(Math.max(...byPhase('down').map((o) => o.ms))).toBeLessThan(TIMEOUT);
  // after: the same process serves again, writes included
  expect(server.child.exitCode).toBeNull();
  const recovered = byPhase('recovered');
  expect(recovered.length).toBeGreaterThan(10);
  expect(recovered.filter((o) => o.status !== 200 && o.status !== 201 && o.status !== 204)).toEqual([]);
  expect((await call('POST', `/v1/devices/${TENANT}/after-restart`, {})).status).toBe(201);
  expect((await call('GET', `/v1/devices/${TENANT}/after-restart`)).status).toBe(200);
  expect((await call('POST', `/v1/authenticate/${TENANT}`, { type: 'hashed-password', 'auth-id': 'known', password: 'known-pw' })).status).toBe(200);
});
