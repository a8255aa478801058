/**
 * HTTP input rules shared by the surfaces (docs/http.md): body types per route, strict JSON, the body
 * limit for every body type before authentication, and the surface of absolute-form request targets.
 */
import { request as httpRequest } from 'node:http';
import { http, Http } from './setup/http';
import { ADMIN, startTestApp, TestApp } from './setup/test-app';
import { expectError, JSON_UTF8 } from './tenants-helpers';

const MAX_BODY_BYTES = 2000;

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let t: TestApp;
let api: Http;

/** Sends exactly this request target (also absolute-form) over a fresh connection. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawAnswer> {
  const url = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent: false, host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Streams a body of `total` bytes (chunked, or with its Content-Length) and stops sending as soon as the
 * answer arrives: resolves with the status and how many bytes had been sent by then.
 */
function stream(method: string, path: string, headers: Record<string, string>, total: number): Promise<{ status: number; sent: number; body: string }> {
  const url = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest({ agent: false, host: url.hostname, port: url.port, method, path, headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, sent, body: Buffer.concat(chunks).toString('utf8') });
        req.destroy();
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

beforeAll(async () => {
  t = await startTestApp({ MAX_BODY_BYTES: String(MAX_BODY_BYTES) }, { captureLogs: true });
  api = http(t.baseUrl, t.admin);
  expect((await api.post('/v1/tenants/in', {})).status).toBe(201);
});
afterAll(() => t.close());

const tenantExists = async (id: string) => (await t.db.query('SELECT 1 FROM tenants WHERE id = $1', [id])).rowCount === 1;
const userExists = async (name: string) => (await t.db.query('SELECT 1 FROM users WHERE username = $1', [name])).rowCount === 1;
const deviceBody = async (id: string) => (await t.db.query('SELECT body FROM devices WHERE tenant_id = $1 AND id = $2', ['in', id])).rows[0]?.body;

describe('JSON-only routes refuse other body types', () => {
  it.each([
    ['an empty text/plain body', '', 'text/plain'],
    ['an empty form body', '', 'application/x-www-form-urlencoded'],
    ['a form body', 'enabled=true', 'application/x-www-form-urlencoded'],
    ['a multipart body', '--b\r\nContent-Disposition: form-data; name="enabled"\r\n\r\ntrue\r\n--b--\r\n', 'multipart/form-data; boundary=b'],
  ])('/v1 answers 400 to %s and creates nothing', async (_name, body, contentType) => {
    const res = await api.request('POST', '/v1/tenants/csrf-form', { body, headers: { 'content-type': contentType } });
    expectError(res, 400, /content type/);
    expect(await tenantExists('csrf-form')).toBe(false);
  });

  it('/v1 refuses a body sent without a Content-Type', async () => {
    const res = await raw('POST', '/v1/tenants/untyped', { ...t.admin, 'content-length': '16' }, '{"enabled":true}');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: expect.stringMatching(/content type/) });
    expect(await tenantExists('untyped')).toBe(false);
  });

  it('/api/users answers 415 to a malformed multipart body without reading it', async () => {
    const res = await api.request('POST', '/api/users', { body: '{}', headers: { 'content-type': 'multipart/form-data; boundary=xyz' } });
    expect(res.status).toBe(415);
  });

  it('/v1 takes no body with no Content-Type, and JSON with a charset', async () => {
    expect((await api.request('POST', '/v1/tenants/no-body')).status).toBe(201);
    expect((await api.post('/v1/tenants/charset', '{}', { contentType: 'application/json; charset=utf-8' })).status).toBe(201);
  });

  it.each([
    ['a form body', 'username=mallory&password=mallory-password', 'application/x-www-form-urlencoded'],
    ['a multipart body', '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nmallory\r\n--b--\r\n', 'multipart/form-data; boundary=b'],
    ['an empty text/plain body', '', 'text/plain'],
  ])('/api/users answers 415 to %s and creates no user', async (_name, body, contentType) => {
    const res = await api.request('POST', '/api/users', { body, headers: { 'content-type': contentType } });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: expect.stringMatching(/content type/) });
    expect(await userExists('mallory')).toBe(false);
  });

  it('/api/peers/register answers 415 to a multipart body before calling anyone', async () => {
    const body = '--b\r\nContent-Disposition: form-data; name="versions_url"\r\n\r\nhttp://127.0.0.1:1/versions\r\n--b\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc\r\n--b--\r\n';
    const res = await api.request('POST', '/api/peers/register', { body, headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    expect(res.status).toBe(415);
    expect((await t.db.query('SELECT count(*)::int AS n FROM peers')).rows[0].n).toBe(0);
  });

  it('/api/token keeps forms (curl -d and -F)', async () => {
    const form = await api.post('/api/token', 'application=cli', { contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(201);
    const multipart = await api.post('/api/token', '--b\r\nContent-Disposition: form-data; name="application"\r\n\r\nmp\r\n--b--\r\n', { contentType: 'multipart/form-data; boundary=b' });
    expect(multipart.status).toBe(201);
    expect(multipart.body.application).toBe('mp');
  });
});

describe('JSON is read exactly as sent', () => {
  it.each([
    ['a number beyond a double', '{"ext":{"n":1e309}}', /out of range/],
    ['a negative number beyond a double', '{"ext":{"n":-1e309}}', /out of range/],
    ['a number that would become 0', '{"ext":{"n":1e-400}}', /too small/],
    ['a duplicate key', '{"enabled":false,"enabled":true}', /duplicate key "enabled"/],
    ['a duplicate key inside ext', '{"ext":{"a":1,"b":[{"c":1,"c":1}]}}', /duplicate key "c"/],
    ['a duplicate key spelled with an escape', '{"ext":{"a":1,"\\u0061":2}}', /duplicate key "a"/],
  ])('%s → 400, nothing stored', async (_name, body, message) => {
    expectError(await api.post('/v1/devices/in/strict', body), 400, message);
    expect(await deviceBody('strict')).toBeUndefined();
  });

  it('invalid UTF-8 → 400 instead of U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"ext":{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    const res = await raw('POST', '/v1/devices/in/utf8', { ...t.admin, 'content-type': 'application/json', 'content-length': String(body.length) }, body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: expect.stringMatching(/UTF-8/) });
    expect(await deviceBody('utf8')).toBeUndefined();
  });

  it('invalid UTF-8 percent-escaped in the URL or a form is never read as U+FFFD', async () => {
    // in a path id: the router's 400, nothing stored under a mangled id
    for (const path of ['/v1/devices/in/utf%FF8', '/v1/tenants/t%C3%28x']) {
      const res = await raw('POST', path, { ...t.admin, 'content-type': 'application/json', 'content-length': '2' }, '{}');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: 'malformed URL' });
    }
    expect((await t.db.query(`SELECT id FROM devices WHERE tenant_id = 'in' AND id LIKE 'utf%'`)).rowCount).toBe(0);
    expect((await t.db.query(`SELECT id FROM tenants WHERE id LIKE 't%x'`)).rowCount).toBe(0);
    // in a search value: the search's 400
    const search = await api.get('/v1/devices/in?filterJson=%7B%22field%22%3A%22%2Fext%2Fs%22%2C%22value%22%3A%22%FF%22%7D');
    expect(search.status).toBe(400);
    // in credentials (URL or OVMS form): no such user, whatever the rest
    expect((await raw('GET', `/api/me?username=${ADMIN.username}%FF&password=${encodeURIComponent(ADMIN.password)}`)).status).toBe(401);
    const form = `username=${ADMIN.username}%FF&password=${encodeURIComponent(ADMIN.password)}`;
    expect((await raw('POST', '/api/token', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) }, form)).status).toBe(401);
  });

  it('the same keys in different objects, tiny and zero numbers and escapes are fine', async () => {
    const body = '{"ext":{"a":{"x":1},"b":{"x":2},"zero":0e5,"negzero":-0.0,"tiny":5e-324,"big":1.5e308,"s":"\\"a\\\\","x":[{"k":1},{"k":2}]}}';
    expect((await api.post('/v1/devices/in/fine', body)).status).toBe(201);
    expect(await deviceBody('fine')).toEqual({ ext: { a: { x: 1 }, b: { x: 2 }, zero: 0, negzero: 0, tiny: 5e-324, big: 1.5e308, s: '"a\\', x: [{ k: 1 }, { k: 2 }] } });
  });

  it('the rule holds on /api too', async () => {
    const res = await api.post('/api/users', '{"username":"dup","password":"dup-password","admin":false,"admin":true}');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/duplicate key "admin"/);
    expect(await userExists('dup')).toBe(false);
  });
});

describe('MAX_BODY_BYTES holds for every body type, before authentication', () => {
  const multipart = { 'content-type': 'multipart/form-data; boundary=b' };

  it.each([
    ['multipart', multipart],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['JSON', { 'content-type': 'application/json' }],
    ['text', { 'content-type': 'text/plain' }],
  ])('a streamed %s body without credentials is cut with 413 long before its end', async (_name, headers) => {
    const total = 300 * 1024 * 1024;
    const answer = await stream('POST', '/api/token', { ...headers, 'transfer-encoding': 'chunked' }, total);
    expect(answer.status).toBe(413);
    expect(answer.sent).toBeLessThan(total / 10);
  });

  it('a declared Content-Length over the limit is answered 413 before the body is sent', async () => {
    const answer = await stream('POST', '/api/token', { ...multipart, 'content-length': String(300 * 1024 * 1024) }, 300 * 1024 * 1024);
    expect(answer.status).toBe(413);
    expect(answer.sent).toBeLessThan(10 * 1024 * 1024);
  });

  it('413 under /v1 is a Hono error', async () => {
    const body = JSON.stringify({ ext: { s: 'x'.repeat(MAX_BODY_BYTES) } });
    expectError(await api.post('/v1/devices/in/big', body), 413);
  });

  it('multipart within the limit still needs credentials (401), and file parts are refused', async () => {
    const fields = '--b\r\nContent-Disposition: form-data; name="application"\r\n\r\nx\r\n--b--\r\n';
    expect((await http(t.baseUrl).post('/api/token', fields, { contentType: multipart['content-type'] })).status).toBe(401);
    const file = '--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n';
    const res = await api.post('/api/token', file, { contentType: multipart['content-type'] });
    expect(res.status).toBe(400);
    expect((await t.db.query("SELECT count(*)::int AS n FROM api_tokens WHERE application = 'x'")).rows[0].n).toBe(0);
  });
});

describe('the surface is decided from the parsed path', () => {
  it('an absolute-form /v1 target keeps the JSON-only rule', async () => {
    const res = await raw('POST', 'http://x/v1/tenants/absolute', { ...t.admin, 'content-type': 'text/plain', 'content-length': '0' }, '');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe(JSON_UTF8);
    expect(await tenantExists('absolute')).toBe(false);
  });

  it('an absolute-form /v1 target without credentials gets the Basic challenge', async () => {
    const res = await raw('GET', 'http://x/v1/tenants');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="registry", charset="UTF-8"');
    expect(JSON.parse(res.body)).toEqual({ error: expect.any(String) });
  });

  it('absolute-form and percent-encoded /api targets keep no-store and the OVMS texts', async () => {
    for (const path of ['http://x/api/me', '/%61pi/me']) {
      const res = await raw('GET', path);
      expect({ path, status: res.status, body: res.body, cacheControl: res.headers['cache-control'] }).toEqual({
        path,
        status: 401,
        body: 'Authentication failed\n',
        cacheControl: 'no-store',
      });
    }
  });
});

describe('/ocpi echoes the X-Request-ID it logs', () => {
  it.each([
    ['a sane one', 'req-42.a:b', true],
    ['one with spaces', 'not sane at all', false],
    ['an overlong one', 'x'.repeat(200), false],
  ])('%s', async (_name, sent, kept) => {
    const res = await http(t.baseUrl).get('/ocpi/versions', { headers: { 'x-request-id': sent } });
    const echoed = res.headers.get('x-request-id');
    if (kept) expect(echoed).toBe(sent);
    else expect(echoed).not.toBe(sent);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logged = t.logs.map((line) => JSON.parse(line)).filter((line) => line.req?.url === '/ocpi/versions').at(-1);
    expect(logged.req.id).toBe(echoed);
  });
});

describe('security headers', () => {
  it('Swagger UI: a Content-Security-Policy with frame-ancestors none, no framing, nosniff', async () => {
    for (const path of ['/api/docs', '/api/docs/', '/api/docs/swagger-ui-init.js', '/api/docs-json']) {
      const res = await http(t.baseUrl).get(path);
      expect([path, res.status]).toEqual([path, 200]);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('/v1 and /api answers, credentials and errors included, are not cached and not sniffed', async () => {
    expect((await api.post('/v1/devices/in/headers', {})).status).toBe(201);
    expect((await api.put('/v1/credentials/in/headers', [{ type: 'psk', 'auth-id': 'k', secrets: [{ key: 'AAAA' }] }])).status).toBe(204);
    const answers = [
      await api.get('/v1/credentials/in/headers'),
      await api.get('/v1/devices/in/headers'),
      await http(t.baseUrl).get('/v1/tenants'),
      await api.get('/api/me'),
      await http(t.baseUrl).get('/api/nothing-here'),
    ];
    for (const res of answers) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBeNull();
    }
    const ocpi = await http(t.baseUrl).get('/ocpi/versions');
    expect(ocpi.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
