/** Every JSON answer ends with a newline (curl leaves the shell prompt on a line of its own); content-length counts it. */
import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

let app: TestApp;
let api: Http;

beforeAll(async () => {
  app = await startTestApp();
  api = http(app.baseUrl, app.admin);
  expect((await api.post('/v1/tenants/newline-tenant', {})).status).toBe(201);
  expect((await api.post('/v1/devices/newline-tenant/newline-device', { ext: { a: 1 } })).status).toBe(201);
});
afterAll(() => app.close());

describe('JSON answers end with a newline', () => {
  it.each([
    ['a /v1 device', '/v1/devices/newline-tenant/newline-device', 200],
    ['a /v1 search', '/v1/devices/newline-tenant', 200],
    ['a /v1 error', '/v1/devices/newline-tenant/nobody', 404],
    ['/api JSON', '/api/me', 200],
    ['/ocpi', '/ocpi/versions', 401],
    ['/health', '/health', 200],
  ])('%s (%s)', async (_what, path, status) => {
    const res = await api.get(path);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(res.text.endsWith('}\n') || res.text.endsWith(']\n')).toBe(true);
    expect(JSON.parse(res.text)).toBeDefined();
    const length = res.headers.get('content-length');
    if (length !== null) expect(Number(length)).toBe(Buffer.byteLength(res.text));
  });

  it('leaves non-JSON answers alone', async () => {
    const res = await api.get('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text.endsWith('\n\n')).toBe(false);
  });
});
