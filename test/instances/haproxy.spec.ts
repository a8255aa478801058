/**
 * Two instances behind a real load balancer (Debian's HAProxy, health-checking /health). A mixed
 * workload runs through it — creates, If-Match updates, cookie logins and logouts, token deletes — while
 * one instance is killed with SIGKILL: the health check takes it out, clients see at most the requests
 * that were in flight on it, every acknowledged write is in the database, and nothing revoked is accepted.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanUp, freePort, tempDir } from '../lifecycle/server-process';
import { basic, bearer, Instances, msUntil, startInstances } from './instances';

jest.setTimeout(180_000);

const HAPROXY = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((path) => existsSync(path));
if (!HAPROXY) process.stderr.write('haproxy is not installed (apt-get install haproxy): skipping the load-balancer test\n');
const describeWithHaproxy = HAPROXY ? describe : describe.skip;

const WORKERS = 6;
const ITERATIONS = 14;
const OPERATOR = { username: 'lb-operator', password: 'lb-operator-password' };

function haproxyConfig(port: number, backends: number[]): string {
  return `global
  maxconn 512
defaults
  mode http
  timeout connect 1s
  timeout client 15s
  timeout server 15s
  # a connection refused by a dead instance is tried again on the other one
  retries 3
  option redispatch
frontend registry
  bind 127.0.0.1:${port}
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  # a killed replica refuses the connection at once; a live one on a busy machine may answer slowly
  timeout check 5s
  default-server inter 200ms fall 2 rise 2
${backends.map((backend, i) => `  server r${i + 1} 127.0.0.1:${backend} check`).join('\n')}
`;
}

/** One answer through the balancer; `failed` for what a client cannot tell apart from a lost request. */
type Outcome = { status: number | 'failed'; text: string; etag: string | null; cookie: string | null };

describeWithHaproxy('two replicas behind HAProxy', () => {
  let x: Instances;
  let haproxy: ChildProcess;
  let haproxyLog = '';
  let lb: string;

  beforeAll(async () => {
    x = await startInstances(2, { LOG_LEVEL: 'info' });
    const port = await freePort();
    const dir = tempDir('registry-haproxy-');
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(port, x.servers.map((server) => Number(new URL(server.baseUrl).port))));
    haproxy = spawn(HAPROXY!, ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [haproxy.stdout!, haproxy.stderr!]) stream.on('data', (chunk: Buffer) => (haproxyLog += chunk.toString()));
    lb = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const health = await fetch(`${lb}/health`).catch(() => undefined);
      if (health?.status === 200) break;
      if (Date.now() > deadline || haproxy.exitCode !== null) throw new Error(`haproxy did not serve: ${haproxyLog}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 240_000);

  afterAll(async () => {
    haproxy?.kill('SIGKILL');
    await x?.db.end();
    await cleanUp();
  });

  async function send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Outcome> {
    try {
      const response = await fetch(`${lb}${path}`, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      // HAProxy's own answers when the instance went away under the request
      const status = [502, 503, 504].includes(response.status) ? 'failed' : response.status;
      return { status, text, etag: response.headers.get('etag'), cookie: response.headers.get('set-cookie')?.split(';')[0] ?? null };
    } catch (error) {
      return { status: 'failed', text: (error as Error).message, etag: null, cookie: null };
    }
  }

  it('a mixed workload stays consistent while one replica is killed with SIGKILL', async () => {
    const admin = x.admin;
    const operator = basic(OPERATOR.username, OPERATOR.password);
    expect((await send('POST', '/v1/tenants/lb', admin, {})).status).toBe(201);
    expect((await send('POST', '/api/users', admin, { ...OPERATOR, tenants: [{ tenant: 'lb', access: 'write' }] })).status).toBe(201);
    const shared = await send('POST', '/v1/devices/lb/shared', operator, { ext: { by: 'nobody' } });
    expect(shared.status).toBe(201);

    const violations: string[] = [];
    const failures: string[] = [];
    const createdAcks = new Set<string>();
    /** Per worker: the `n` of the last acknowledged update of its own device, and the ones in doubt after it. */
    const ownAcks = new Map<string, { acked: number; doubtful: number[] }>();
    /** Acknowledged If-Match updates of the shared device: which version each replaced. */
    const sharedReplaced: string[] = [];
    const revocations: Record<string, number[]> = { logout: [], token: [] };
    /** How often the first request after the acknowledged revocation was still accepted (docs/instances.md allows up to a second). */
    const acceptedAfterAck: Record<string, number> = { logout: 0, token: 0 };
    let sent = 0;
    let killedAt = -1;

    const expectStatus = (what: string, outcome: Outcome, ...expected: number[]) => {
      sent++;
      if (outcome.status === 'failed') {
        failures.push(`${what}: ${outcome.text}`);
        return false;
      }
      if (!expected.includes(outcome.status)) violations.push(`${what}: ${outcome.status} ${outcome.text}`);
      return expected.includes(outcome.status);
    };

    /**
     * After an acknowledged revocation: refused within a second, and refused from then on, on whichever
     * replica. Every refused token counts against the balancer's address in the login throttle, so
     * tokens are checked again less often than sessions.
     */
    async function refusedFromNowOn(kind: string, path: string, headers: Record<string, string>, again: number) {
      let attempts = 0;
      const ms = await msUntil(async () => {
        attempts++;
        const outcome = await send('GET', path, headers);
        return { status: outcome.status === 'failed' ? 0 : outcome.status, text: outcome.text, headers: new Headers() };
      }, 401, 1000);
      revocations[kind].push(ms);
      if (attempts > 1) acceptedAfterAck[kind]++;
      if (ms === Infinity) violations.push(`${kind}: still accepted 1 s after it was revoked`);
      for (let i = 0; i < again; i++) {
        const again = await send('GET', path, headers);
        if (again.status !== 'failed' && again.status !== 401) violations.push(`${kind}: accepted again after it was refused (${again.status})`);
      }
    }

    async function worker(w: number) {
      const own = `own-${w}`;
      ownAcks.set(own, { acked: 0, doubtful: [] });
      if (!expectStatus('create own', await send('POST', `/v1/devices/lb/${own}`, operator, { ext: { n: 0 } }), 201)) return;
      createdAcks.add(own);
      for (let i = 1; i <= ITERATIONS; i++) {
        switch (i % 4) {
          case 0: {
            const id = `new-${w}-${i}`;
            if (expectStatus('create', await send('POST', `/v1/devices/lb/${id}`, operator, { ext: { w, i } }), 201)) createdAcks.add(id);
            const read = await send('GET', `/v1/devices/lb/${own}`, operator);
            if (expectStatus('read own', read, 200)) {
              const update = await send('PUT', `/v1/devices/lb/${own}`, { ...operator, 'if-match': read.etag! }, { ext: { n: i } });
              // only this worker writes its device: the version it just read is still current
              if (expectStatus('update own', update, 204)) ownAcks.get(own)!.acked = i;
              else if (update.status === 'failed') ownAcks.get(own)!.doubtful.push(i);
            }
            break;
          }
          case 1: {
            const read = await send('GET', '/v1/devices/lb/shared', operator);
            if (!expectStatus('read shared', read, 200)) break;
            const update = await send('PUT', '/v1/devices/lb/shared', { ...operator, 'if-match': read.etag! }, { ext: { by: `${w}-${i}` } });
            // racing the other workers: either this one wins, or the version moved on (412)
            if (expectStatus('update shared', update, 204, 412) && update.status === 204) sharedReplaced.push(read.etag!);
            break;
          }
          case 2: {
            const login = await send('GET', '/api/cookie', operator);
            if (!expectStatus('login', login, 200)) break;
            const cookie = { cookie: login.cookie! };
            if (!expectStatus('use session', await send('GET', `/v1/devices/lb/${own}`, cookie), 200)) break;
            if (!expectStatus('logout', await send('DELETE', '/api/cookie', cookie), 200)) break;
            await refusedFromNowOn('logout', '/api/me', cookie, 2);
            break;
          }
          case 3: {
            const created = await send('POST', '/api/token', operator, { permit: 'auth' });
            if (!expectStatus('token create', created, 201)) break;
            const token = JSON.parse(created.text).token as string;
            if (!expectStatus('use token', await send('GET', `/v1/devices/lb/${own}`, bearer(token)), 200)) break;
            if (!expectStatus('token delete', await send('DELETE', `/api/token/${token}`, operator), 200)) break;
            await refusedFromNowOn('token', `/v1/devices/lb/${own}`, bearer(token), 0);
            break;
          }
        }
      }
    }

    const victim = x.servers[1];
    const killer = (async () => {
      while (sent < (WORKERS * ITERATIONS * 3) / 2) await new Promise((resolve) => setTimeout(resolve, 5));
      killedAt = sent;
      victim.child.kill('SIGKILL');
    })();
    const started = Date.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await killer;
    const elapsed = Date.now() - started;
    process.stdout.write(
      `haproxy workload: ${sent} requests in ${elapsed} ms, replica killed after ${killedAt}; failed: ${failures.length}; ` +
        `revocation delays (ms) ${JSON.stringify(revocations)}, first request after the revocation still accepted ${JSON.stringify(acceptedAfterAck)}\n`,
    );

    expect(killedAt).toBeGreaterThan(0);
    expect((await victim.exited).signal).toBe('SIGKILL');
    expect(violations).toEqual([]);
    // at most the requests in flight on the killed replica (one per worker) failed
    expect(failures.length <= WORKERS ? [] : failures).toEqual([]);
    // the balancer's health check takes the killed replica out (two failed checks 200 ms apart); on a fast
    // machine the workload can end before the second one
    const downBy = Date.now() + 5_000;
    while (!/r2 is DOWN/.test(haproxyLog) && Date.now() < downBy) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(haproxyLog).toMatch(/r2 is DOWN/);
    // both replicas answered before the kill
    for (const server of x.servers) expect(server.stdout()).toMatch(/"url":"\/v1\/devices\/lb\//);

    // nothing acknowledged is lost
    const { rows: devices } = await x.db.query<{ id: string; body: { ext: { n?: number } } }>(`SELECT id, body FROM devices WHERE tenant_id = 'lb'`);
    const stored = new Map(devices.map((device) => [device.id, device.body]));
    for (const id of createdAcks) expect(stored.has(id)).toBe(true);
    for (const [id, { acked, doubtful }] of ownAcks) {
      if (!createdAcks.has(id)) continue;
      expect([acked, ...doubtful.filter((n) => n > acked)]).toContain(stored.get(id)!.ext.n);
    }
    // no If-Match update was lost: no two acknowledged ones replaced the same version
    expect(sharedReplaced.length).toBeGreaterThan(0);
    expect(new Set(sharedReplaced).size).toBe(sharedReplaced.length);

    // the survivor serves everything alone, through the balancer
    for (let i = 0; i < 10; i++) expect((await send('GET', '/v1/devices/lb/shared', operator)).status).toBe(200);
  });
});
