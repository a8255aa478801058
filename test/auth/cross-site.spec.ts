/**
 * Cross-site request forgery (docs/http.md): state-changing requests another site makes a browser send with
 * its ambient credentials (the session cookie, cached Basic) are refused; a cross-site GET /api/cookie
 * opens no session. Requests without Origin / Sec-Fetch-Site (curl, scripts, Hono clients) are unaffected.
 */
import { http, Http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser, login, TestUser, urlAuth } from './helpers';

const PUBLIC_URL = 'https://registry.example';
const EVIL = { origin: 'https://evil.example' };
const CROSS_SITE = { 'sec-fetch-site': 'cross-site' };

let t: TestApp;
let admin: Http;
let user: TestUser;
let cookie: string;
let token: string;

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL }, {});
  admin = http(t.baseUrl, t.admin);
  expect((await admin.post('/v1/tenants/cs', {})).status).toBe(201);
  user = await createUser(t, { username: 'csrf-victim', tenants: [{ tenant: 'cs', access: 'write' }] });
  cookie = await login(http(t.baseUrl, user.auth));
  token = await createToken(t, user, '*');
});
afterAll(() => t.close());

const deviceExists = async (id: string) => (await t.db.query("SELECT 1 FROM devices WHERE tenant_id = 'cs' AND id = $1", [id])).rowCount === 1;
const sessionCount = async () => (await t.db.query('SELECT count(*)::int AS n FROM sessions')).rows[0].n as number;

describe('state-changing requests with ambient credentials from another site → 403, nothing changes', () => {
  it.each([
    ['cookie, foreign Origin', () => ({ cookie, ...EVIL })],
    ['cookie, Sec-Fetch-Site: cross-site', () => ({ cookie, ...CROSS_SITE })],
    ['cookie, Origin: null', () => ({ cookie, origin: 'null' })],
    ['Basic, foreign Origin', () => ({ ...user.auth, ...EVIL })],
    ['Basic, Sec-Fetch-Site: cross-site', () => ({ ...user.auth, ...CROSS_SITE })],
    ['Basic, Origin on another port', () => ({ ...user.auth, origin: t.baseUrl.replace(/:\d+$/, ':1') })],
  ])('%s', async (_name, headers) => {
    const res = await http(t.baseUrl).post('/v1/devices/cs/forged', {}, { headers: headers() });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: expect.stringMatching(/cross-site/) });
    expect(await deviceExists('forged')).toBe(false);
  });

  it('under /api: a user is not created, a session is not closed (Insufficient rights)', async () => {
    const create = await http(t.baseUrl, { ...t.admin, ...EVIL }).post('/api/users', { username: 'mallory', password: 'mallory-password' });
    expect([create.status, create.text]).toEqual([403, 'Insufficient rights\n']);
    expect((await admin.get('/api/users/mallory')).status).toBe(404);
    const logout = await http(t.baseUrl, { cookie, ...CROSS_SITE }).delete('/api/cookie');
    expect(logout.status).toBe(403);
    expect((await http(t.baseUrl, { cookie }).get('/api/me')).status).toBe(200);
  });
});

describe('what is not refused', () => {
  it.each([
    ['Basic without Origin (curl, Hono clients)', () => user.auth],
    ['Basic from our own origin', () => ({ ...user.auth, origin: t.baseUrl })],
    ["Basic from PUBLIC_URL's origin", () => ({ ...user.auth, origin: PUBLIC_URL })],
    ['Basic, Sec-Fetch-Site: same-origin', () => ({ ...user.auth, 'sec-fetch-site': 'same-origin' })],
    ['cookie from our own origin', () => ({ cookie, origin: t.baseUrl, 'sec-fetch-site': 'same-origin' })],
    ['Bearer from a foreign origin (not ambient)', () => ({ ...bearer(token), ...EVIL, ...CROSS_SITE })],
  ])('%s', async (name, headers) => {
    const id = `ok-${name.replace(/[^a-z]/gi, '').slice(0, 40)}`;
    expect((await http(t.baseUrl).post(`/v1/devices/cs/${id}`, {}, { headers: headers() })).status).toBe(201);
    expect(await deviceExists(id)).toBe(true);
  });

  it('URL credentials from a foreign origin (not ambient), and cross-site reads', async () => {
    expect((await http(t.baseUrl, { ...EVIL, ...CROSS_SITE }).post(`/v1/devices/cs/url-cred?${urlAuth(user.username, user.password)}`, {})).status).toBe(201);
    expect((await http(t.baseUrl, { cookie, ...EVIL, ...CROSS_SITE }).get('/v1/devices/cs/url-cred')).status).toBe(200);
  });
});

describe('login CSRF', () => {
  it('a cross-site GET /api/cookie opens no session, however it authenticates', async () => {
    const before = await sessionCount();
    for (const headers of [{ ...user.auth, ...CROSS_SITE }, { ...user.auth, ...EVIL }, CROSS_SITE]) {
      const res = await http(t.baseUrl, headers).get(`/api/cookie${'authorization' in headers ? '' : `?${urlAuth(user.username, user.password)}`}`);
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(await sessionCount()).toBe(before);
    const ok = await http(t.baseUrl, { ...user.auth, origin: t.baseUrl }).get('/api/cookie');
    expect(ok.status).toBe(200);
    expect(await sessionCount()).toBe(before + 1);
  });
});
