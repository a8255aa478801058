/**
 * `npm start` with no DATABASE_URL: the built server with its embedded PostgreSQL under DATA_DIR, as
 * real processes. Data survives a graceful restart, a kill -9 leaves an orphaned PostgreSQL that the
 * next start recovers from, and the public operations endpoints and logs do what docs/running.md says.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  basicAuthorization,
  cleanUp,
  ensureBuilt,
  freePort,
  isAlive,
  postmasterPid,
  ROOT,
  ServerProcess,
  spawnServer,
  startEmbeddedServer,
  tempDir,
  waitUntilServing,
} from './server-process';
import { itIf } from '../setup/skip';

jest.setTimeout(180_000);

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => cleanUp());

const ADMIN = { username: 'lifecycle-admin', password: 'lifecycle-password-1' };
const AUTHORIZATION = basicAuthorization(ADMIN);

const start = (dataDir: string) => startEmbeddedServer(dataDir, ADMIN);

function send(server: ServerProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: AUTHORIZATION, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

describe('embedded PostgreSQL under DATA_DIR', () => {
  it('keeps data across a graceful restart; SIGTERM exits 0 and stops PostgreSQL', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    expect((await send(first, 'POST', '/v1/tenants/lifecycle-tenant', {})).status).toBe(201);
    expect((await send(first, 'POST', '/v1/devices/lifecycle-tenant/device-1', { ext: { kept: true } })).status).toBe(201);

    first.child.kill('SIGTERM');
    expect(await first.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('SIGTERM received');
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'secret.key'))).toBe(true);

    const second = await start(dataDir);
    expect((await send(second, 'GET', '/v1/tenants/lifecycle-tenant')).status).toBe(200);
    const device = await send(second, 'GET', '/v1/devices/lifecycle-tenant/device-1');
    expect(device.status).toBe(200);
    expect(await device.json()).toMatchObject({ ext: { kept: true } });

    second.child.kill('SIGTERM');
    expect(await second.waitForExit(20_000)).toEqual({ code: 0, signal: null });
  });

  it('recovers from the PostgreSQL orphaned by a kill -9', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const orphan = postmasterPid(dataDir)!;
    expect(isAlive(orphan)).toBe(true);

    first.child.kill('SIGKILL');
    expect(await first.waitForExit(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isAlive(orphan)).toBe(true); // still holding the cluster

    const second = await start(dataDir);
    expect(isAlive(orphan)).toBe(false);
    expect(postmasterPid(dataDir)).not.toBe(orphan);
    expect((await send(second, 'GET', '/v1/devices/nobody/nothing')).status).toBe(404);

    second.child.kill('SIGTERM');
    expect(await second.waitForExit(20_000)).toEqual({ code: 0, signal: null });
  });
});

describe('operations endpoints and logs of a running server', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await start(tempDir());
  }, 180_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.waitForExit(20_000);
    }
  });

  it('GET /metrics counts requests by route', async () => {
    await send(server, 'GET', '/v1/devices/metrics-tenant/some-device');
    const response = await send(server, 'GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/v1\/devices\/:tenantId\/:deviceId",status="404"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/health",status="200"\} \d+$/m);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('serves Swagger UI at /api/docs and the OpenAPI document at /api/docs-json', async () => {
    const ui = await send(server, 'GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await ui.text()).toMatch(/swagger-ui/i);

    const doc = await send(server, 'GET', '/api/docs-json');
    expect(doc.status).toBe(200);
    const document = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain('/v1/devices/{tenantId}/{deviceId}');
  });

  it('logs one JSON line per request, carrying the request id', async () => {
    await send(server, 'GET', '/v1/devices/log-tenant/log-device', undefined, { 'x-request-id': 'lifecycle-req-42' });
    await send(server, 'GET', '/health');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the log line is written after the response

    const lines = server.stdout().split('\n').filter((line) => line.trim() !== '');
    const entries = lines.map((line) => JSON.parse(line)); // every line is JSON
    const tagged = entries.find((entry) => entry.req?.id === 'lifecycle-req-42' && entry.res);
    expect(tagged).toMatchObject({ req: { method: 'GET', url: '/v1/devices/log-tenant/log-device' }, res: { statusCode: 404 } });
    expect(typeof tagged.time).toBe('number');
    const health = entries.filter((entry) => entry.req?.url === '/health' && entry.res);
    expect(health.length).toBeGreaterThan(0);
    for (const entry of health) expect(entry.req.id).toMatch(/^[0-9a-f-]{36}$/); // generated when the caller sends none
  });
});

/** The processes `npm start` runs (npm → node, `exec`ed by the start script), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Files in the temporary directory holding `secret` (other processes on the machine may write there too). */
const tmpFilesHolding = (secret: string) =>
  readdirSync(tmpdir(), { withFileTypes: true })
    .filter((entry) => entry.isFile() && (statSync(join(tmpdir(), entry.name), { throwIfNoEntry: false })?.size ?? Infinity) < 65_536)
    .filter((entry) => {
      try {
        return readFileSync(join(tmpdir(), entry.name), 'utf8').includes(secret);
      } catch {
        return false;
      }
    })
    .map((entry) => entry.name);

/**
 * A clean clone in a mode-700 directory (as root: the `postgres` user can reach neither the
 * clone's node_modules nor its .data), started with `npm start` itself. Lean: the clone reuses this
 * checkout's node_modules (hard links) and dist/ instead of `npm ci` and a build.
 */
const itAsRoot = itIf(userInfo().uid === 0, 'the tests do not run as root (uid 0), the case this is about');

describe('npm start in a clean clone under a mode-700 directory', () => {
  itAsRoot('as root: serves, creates admin with a generated password, stops on SIGTERM to npm and on Ctrl+C, exit 0, no orphan', async () => {
    const parent = tempDir('registry-private-');
    chmodSync(parent, 0o700);
    const clone = join(parent, 'clone');
    execFileSync('git', ['clone', '--quiet', ROOT, clone]);
    execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(clone, 'node_modules')]);
    cpSync(join(ROOT, 'dist'), join(clone, 'dist'), { recursive: true });
    const now = new Date();
    utimesSync(join(clone, 'dist/apps/registry/src/main.js'), now, now); // built after the checkout: no rebuild

    const port = String(await freePort());
    const npmStart = () => spawnServer({ PORT: port, HOST: '127.0.0.1', BCRYPT_MAX_COST: '4' }, { command: 'npm', args: ['start'], cwd: clone, detached: true });

    const first = npmStart();
    await waitUntilServing(first, 120_000);
    const dataDir = join(clone, '.data');
    const passwordFile = join(dataDir, 'admin-password');
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(passwordFile, 'utf8').trim();
    const me = await fetch(`${first.baseUrl}/api/me`, { headers: { authorization: basicAuthorization({ username: 'admin', password }) } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'admin', admin: true });
    for (const file of ['postgres.password', 'secret.key']) expect(statSync(join(dataDir, file)).mode & 0o077).toBe(0);
    const clusterPassword = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
    expect(tmpFilesHolding(clusterPassword)).toEqual([]); // no password file outside DATA_DIR

    // the console: a few plain lines, no Nest route mapping
    const startLines = first.stderr();
    expect(startLines).toContain(`listening on http://127.0.0.1:${port}`);
    expect(startLines).toContain(`data: embedded PostgreSQL in ${dataDir}`);
    expect(startLines).toContain('curl -u admin:$(cat .data/admin-password)');
    expect(startLines).toContain(`Swagger UI: http://127.0.0.1:${port}/api/docs`);
    expect(first.stdout()).not.toMatch(/Mapped \{|RoutesResolver|successfully started/);

    // kill -TERM <npm pid>: npm forwards it to node (the start script execs it), which stops PostgreSQL
    const [node] = childrenOf(first.child.pid!);
    const postgres = postmasterPid(dataDir)!;
    expect(isAlive(node)).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    expect(isAlive(node)).toBe(false);
    expect(isAlive(postgres)).toBe(false);

    // Ctrl+C: SIGINT to the whole foreground process group (npm and node); the admin is kept
    const second = npmStart();
    await waitUntilServing(second, 60_000);
    expect(second.stderr()).toContain('log in as admin with the password in .data/admin-password');
    const secondNode = childrenOf(second.child.pid!)[0];
    const secondPostgres = postmasterPid(dataDir)!;
    process.kill(-second.child.pid!, 'SIGINT');
    expect(await second.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    expect(isAlive(secondNode)).toBe(false);
    expect(isAlive(secondPostgres)).toBe(false);
    expect(tmpFilesHolding(clusterPassword)).toEqual([]);
  }, 240_000);
});
