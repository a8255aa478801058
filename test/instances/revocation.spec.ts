/**
 * Two instances as separate processes on one database. Whatever one instance revokes, the other
 * refuses within a second although it had the credential cached; with the notification connections
 * killed nothing stale is accepted, and they come back by themselves.
 */
import { cleanUp } from '../lifecycle/server-process';
import { connect } from '../setup/test-database';
import { Answer, basic, bearer, call, Instances, listenerPids, msUntil, startInstances, waitForListeners } from './instances';

jest.setTimeout(120_000);

const IDLE_SECONDS = 4;
let x: Instances;
let a: string;
let b: string;
let counter = 0;

beforeAll(async () => {
  x = await startInstances(2, { SESSION_IDLE_SECONDS: String(IDLE_SECONDS) });
  [a, b] = x.servers.map((server) => server.baseUrl);
  expect((await call(a, 'POST', '/v1/tenants/shared', x.admin, {})).status).toBe(201);
}, 240_000);

afterAll(async () => {
  await x?.db.end();
  await cleanUp();
});

interface Operator {
  username: string;
  password: string;
  auth: Record<string, string>;
}

async function operator(access: 'read' | 'write' = 'write'): Promise<Operator> {
  const username = `op${++counter}`;
  const password = `${username}-password`;
  const created = await call(a, 'POST', '/api/users', x.admin, { username, password, tenants: [{ tenant: 'shared', access }] });
  expect(created.status).toBe(201);
  return { username, password, auth: basic(username, password) };
}

async function token(owner: Operator, permit = '*'): Promise<string> {
  const created = await call(a, 'POST', '/api/token', owner.auth, { permit });
  expect(created.status).toBe(201);
  return JSON.parse(created.text).token;
}

async function login(baseUrl: string, auth: Record<string, string>): Promise<string> {
  const answer = await call(baseUrl, 'GET', '/api/cookie', auth);
  expect(answer.status).toBe(200);
  return answer.headers.get('set-cookie')!.split(';')[0];
}

const me = (baseUrl: string, headers: Record<string, string>) => () => call(baseUrl, 'GET', '/api/me', headers);
const deviceCount = async (id: string) => (await x.db.query('SELECT count(*)::int AS n FROM devices WHERE id = $1', [id])).rows[0].n;

/** Uses the credential on B until it is cached there (twice, after the one expensive check). */
async function warm(attempt: () => Promise<Answer>): Promise<void> {
  for (let i = 0; i < 2; i++) expect((await attempt()).status).toBe(200);
}

const delays: Record<string, number> = {};
/** Answers the other instance still accepted after the revocation was acknowledged (docs/instances.md allows a second of them). */
const accepted: Record<string, number> = {};
const untilRefused = (attempt: () => Promise<Answer>, refused: number) =>
  msUntil(async () => {
    const answer = await attempt();
    const test = expect.getState().currentTestName!;
    if (answer.status < 300) accepted[test] = (accepted[test] ?? 0) + 1;
    return answer;
  }, refused);

afterAll(() => process.stdout.write(`revocation delays on the other instance (ms): ${JSON.stringify(delays)}; answers still accepted after a revocation: ${JSON.stringify(accepted)}\n`));

describe('a revocation on one instance is refused on the other within a second', () => {
  it('password change: reads and writes with the old password', async () => {
    const op = await operator();
    await warm(me(b, op.auth));
    expect((await call(a, 'PUT', `/api/users/${op.username}`, x.admin, { password: 'a-brand-new-password' })).status).toBe(200);
    delays.password = await untilRefused(me(b, op.auth), 401);
    expect(delays.password).toBeLessThan(1000);
    const write = await call(b, 'POST', '/v1/devices/shared/after-password-change', op.auth, {});
    expect(write.status).toBe(401);
    expect(await deviceCount('after-password-change')).toBe(0);
    expect((await me(b, basic(op.username, 'a-brand-new-password'))()).status).toBe(200);
  });

  it('disable: password, token and session of the user', async () => {
    const op = await operator();
    const secret = await token(op);
    const cookie = await login(a, op.auth);
    for (const headers of [op.auth, bearer(secret), { cookie }]) await warm(me(b, headers));
    expect((await call(a, 'PUT', `/api/users/${op.username}`, x.admin, { enabled: false })).status).toBe(200);
    delays.disable = Math.max(...(await Promise.all([op.auth, bearer(secret), { cookie }].map((headers) => untilRefused(me(b, headers), 401)))));
    expect(delays.disable).toBeLessThan(1000);
    expect((await call(b, 'POST', '/v1/devices/shared/after-disable', bearer(secret), {})).status).toBe(401);
    expect(await deviceCount('after-disable')).toBe(0);
  });

  it('delete: the user and everything it held', async () => {
    const op = await operator();
    const secret = await token(op);
    await warm(me(b, op.auth));
    await warm(me(b, bearer(secret)));
    expect((await call(a, 'DELETE', `/api/users/${op.username}`, x.admin)).status).toBe(204);
    delays.delete = Math.max(await untilRefused(me(b, op.auth), 401), await untilRefused(me(b, bearer(secret)), 401));
    expect(delays.delete).toBeLessThan(1000);
  });

  it('grant change: the tenant taken away answers 404, a write grant turned read-only answers 403', async () => {
    const reader = await operator('read');
    const writer = await operator('write');
    const read = () => call(b, 'GET', '/v1/tenants/shared', reader.auth);
    await warm(read);
    expect((await call(b, 'POST', '/v1/devices/shared/before-grant-change', writer.auth, {})).status).toBe(201);
    expect((await call(a, 'PUT', `/api/users/${reader.username}`, x.admin, { tenants: [] })).status).toBe(200);
    expect((await call(a, 'PUT', `/api/users/${writer.username}`, x.admin, { tenants: [{ tenant: 'shared', access: 'read' }] })).status).toBe(200);
    delays.grant = Math.max(await untilRefused(read, 404), await untilRefused(() => call(b, 'POST', '/v1/devices/shared/after-grant-change', writer.auth, {}), 403));
    expect(delays.grant).toBeLessThan(1000);
    expect(await deviceCount('after-grant-change')).toBe(0);
  });

  it('token delete: Bearer, Basic and URL uses of the token, and the session it opened', async () => {
    const op = await operator();
    const secret = await token(op, 'auth,session,registry.write');
    const cookie = await login(a, bearer(secret));
    const ways = [bearer(secret), basic(op.username, secret), { cookie }];
    for (const headers of ways) await warm(me(b, headers));
    const url = () => call(b, 'GET', `/api/me?username=${op.username}&password=${secret}`);
    await warm(url);
    expect((await call(a, 'DELETE', `/api/token/${secret}`, op.auth)).status).toBe(200);
    delays.token = Math.max(...(await Promise.all([...ways.map((headers) => untilRefused(me(b, headers), 401)), untilRefused(url, 401)])));
    expect(delays.token).toBeLessThan(1000);
    expect((await call(b, 'POST', '/v1/devices/shared/after-token-delete', bearer(secret), {})).status).toBe(401);
    expect(await deviceCount('after-token-delete')).toBe(0);
  });

  it('logout on one instance ends the session on the other', async () => {
    const op = await operator();
    const cookie = await login(a, op.auth);
    await warm(me(b, { cookie }));
    expect((await call(a, 'DELETE', '/api/cookie', { cookie })).status).toBe(200);
    delays.logout = await untilRefused(me(b, { cookie }), 401);
    expect(delays.logout).toBeLessThan(1000);
  });

  it('a new login with a cookie rotates it: the old id dies on the other instance too', async () => {
    const op = await operator();
    const first = await login(a, op.auth);
    await warm(me(b, { cookie: first }));
    const second = await login(a, { cookie: first });
    expect(await untilRefused(me(b, { cookie: first }), 401)).toBeLessThan(1000);
    expect((await me(b, { cookie: second })()).status).toBe(200);
  });
});

describe('session expiry', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('use on one instance keeps the session alive on the other, which re-checks the database when its own end passes', async () => {
    const op = await operator();
    const cookie = await login(a, op.auth);
    await warm(me(b, { cookie }));
    // used on A only, for longer than the idle time B saw
    for (let i = 0; i < 6; i++) {
      await sleep(1000);
      expect((await me(a, { cookie })()).status).toBe(200);
    }
    expect((await me(b, { cookie })()).status).toBe(200);
  });

  it('unused, it ends at the idle time on both instances, however it was cached', async () => {
    const op = await operator();
    const cookie = await login(a, op.auth);
    const lastUse = Date.now();
    await warm(me(b, { cookie }));
    await warm(me(a, { cookie }));
    await sleep(IDLE_SECONDS * 1000 * 0.5);
    // not used since: no instance may stretch it
    await sleep(IDLE_SECONDS * 1000 - (Date.now() - lastUse) + 100);
    const [onA, onB] = await Promise.all([me(a, { cookie })(), me(b, { cookie })()]);
    expect([onA.status, onB.status]).toEqual([401, 401]);
  });

  it('the sliding end: a session used every second on B stays alive past the idle time, and dies one idle time after its last use', async () => {
    const op = await operator();
    const cookie = await login(a, op.auth);
    let lastUse = 0;
    for (let i = 0; i < IDLE_SECONDS + 2; i++) {
      expect((await me(b, { cookie })()).status).toBe(200);
      lastUse = Date.now();
      await sleep(1000);
    }
    // the recorded use lags the real one by at most a tenth of the idle time (docs/instances.md)
    await sleep(Math.max(0, IDLE_SECONDS * 1000 * 0.85 - (Date.now() - lastUse)));
    expect((await me(a, { cookie })()).status).toBe(200);
    lastUse = Date.now();
    // every request is a use: ask nobody until one idle time after that last one
    await sleep(IDLE_SECONDS * 1000 - (Date.now() - lastUse) + 200);
    const [onA, onB] = await Promise.all([me(a, { cookie })(), me(b, { cookie })()]);
    expect([onA.status, onB.status]).toEqual([401, 401]);
  });
});

describe('the notification connection', () => {
  it('killed with pg_terminate_backend: nothing stale is accepted, and it reconnects by itself', async () => {
    const op = await operator();
    const secret = await token(op);
    const cookie = await login(a, op.auth);
    for (const headers of [op.auth, bearer(secret), { cookie }]) await warm(me(b, headers));
    const killed = new Set(await listenerPids(x.db));
    expect(killed.size).toBe(2);
    // keep them down: every reconnection is terminated as soon as it shows up
    const killer = x.db.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [[...killed]]);
    let killing = true;
    const keepKilling = (async () => {
      await killer;
      const terminator = await connect(x.databaseUrl);
      while (killing) {
        const { rows } = await terminator.query<{ pid: number }>(
          `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'device-registry notifications'`,
        );
        for (const row of rows) killed.add(row.pid);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await terminator.end();
    })();
    await killer;
    let degraded: { status: number; body: { status: string; details: { notifications: { status: string } } } } | undefined;
    for (const deadline = Date.now() + 5_000; !degraded && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const health = await call(b, 'GET', '/health');
      const body = JSON.parse(health.text);
      if (body.details.notifications.status === 'degraded') degraded = { status: health.status, body };
    }
    // still 200: the service works, only without its caches
    expect(degraded).toMatchObject({ status: 200, body: { status: 'degraded', details: { database: { status: 'up' }, notifications: { connection: 'down' } } } });
    // revoked while the listeners are gone: these notifications reach nobody
    expect((await call(a, 'PUT', `/api/users/${op.username}`, x.admin, { enabled: false })).status).toBe(200);
    for (const headers of [op.auth, bearer(secret), { cookie }]) expect((await me(b, headers)()).status).toBe(401);
    killing = false;
    await keepKilling;
    await waitForListeners(x.db, 2);
    expect((await listenerPids(x.db)).filter((pid) => killed.has(pid))).toEqual([]);
    for (const headers of [op.auth, bearer(secret), { cookie }]) expect((await me(b, headers)()).status).toBe(401);
    const healthy = await call(b, 'GET', '/health');
    expect(healthy.status).toBe(200);
    expect(JSON.parse(healthy.text)).toMatchObject({ status: 'ok', details: { notifications: { status: 'up' } } });
    // and once back, revocations travel again
    expect((await call(a, 'PUT', `/api/users/${op.username}`, x.admin, { enabled: true })).status).toBe(200);
    await warm(me(b, op.auth));
    expect((await call(a, 'PUT', `/api/users/${op.username}`, x.admin, { password: 'changed-after-reconnect' })).status).toBe(200);
    expect(await untilRefused(me(b, op.auth), 401)).toBeLessThan(1000);
    const logs = x.servers[1].stdout() + x.servers[1].stderr();
    expect(logs).toContain('notification connection lost');
  });
});
