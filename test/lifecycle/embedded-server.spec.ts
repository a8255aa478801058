/**
 * `npm start` with no DATABASE_URL: the built server with its embedded PostgreSQL under DATA_DIR, as
 * real processes. Data survives a graceful restart, a kill -9 leaves an orphaned PostgreSQL that the
 * next start recovers from, and the public operations endpoints and logs do what the SPEC says.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { basicAuthorization, cleanUp, ensureBuilt, isAlive, postmasterPid, ServerProcess, startEmbeddedServer, tempDir } from './server-process';

jest.setTimeout(90_000);

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
  }, 60_000);

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
