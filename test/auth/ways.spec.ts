import { http, Http } from '../setup/http';
import { ADMIN, basic, startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser, login, TestUser, urlAuth } from './helpers';

const HONO_401 = { error: expect.any(String) };
const WWW_AUTHENTICATE = 'Basic realm="registry", charset="UTF-8"';

describe('the four ways to authenticate', () => {
  let t: TestApp;
  let anonymous: Http;
  let user: TestUser;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    anonymous = http(t.baseUrl);
    const admin = http(t.baseUrl, t.admin);
    expect((await admin.post('/v1/tenants/t1', {})).status).toBe(201);
    expect((await admin.post('/v1/devices/t1/d1', {})).status).toBe(201);
    user = await createUser(t, { tenants: [{ tenant: 't1', access: 'write' }] });
    token = await createToken(t, user, 'auth,registry.write,session,token.admin');
  });
  afterAll(() => t.close());

  const v1 = '/v1/devices/t1/d1';

  describe('on a /v1 route', () => {
    it('URL username + password', async () => {
      const res = await anonymous.get(`${v1}?${urlAuth(user.username, user.password)}`);
      expect(res.status).toBe(200);
      expect(res.body.status.created).toBeDefined();
    });

    it('URL username + API token', async () => {
      expect((await anonymous.get(`${v1}?${urlAuth(user.username, token)}`)).status).toBe(200);
    });

    it('HTTP Basic with the password and with a token', async () => {
      expect((await anonymous.get(v1, { headers: basic(user.username, user.password) })).status).toBe(200);
      expect((await anonymous.get(v1, { headers: basic(user.username, token) })).status).toBe(200);
    });

    it('Bearer token', async () => {
      expect((await anonymous.get(v1, { headers: bearer(token) })).status).toBe(200);
    });

    it('the ovmsapisession cookie from /api/cookie', async () => {
      const cookie = await login(http(t.baseUrl, user.auth));
      expect((await anonymous.get(v1, { headers: { cookie } })).status).toBe(200);
    });

    it('401 in Hono\'s format with WWW-Authenticate, the same for every failure', async () => {
      const failures = [
        await anonymous.get(v1),
        await anonymous.get(v1, { headers: basic(user.username, 'wrong-password') }),
        await anonymous.get(v1, { headers: basic('nobody-at-all', 'whatever-pass') }),
        await anonymous.get(v1, { headers: bearer('f'.repeat(64)) }),
        await anonymous.get(v1, { headers: bearer('not-a-token') }),
        await anonymous.get(v1, { headers: { authorization: 'Basic !!!' } }),
        await anonymous.get(v1, { headers: { authorization: 'Digest abc' } }),
        await anonymous.get(v1, { headers: { cookie: 'ovmsapisession=forged' } }),
        await anonymous.get(`${v1}?username=${user.username}`),
        await anonymous.get(`${v1}?password=${encodeURIComponent(user.password)}`),
      ];
      for (const res of failures) {
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe(WWW_AUTHENTICATE);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.body).toEqual(HONO_401);
      }
      expect(new Set(failures.map((res) => res.text)).size).toBe(1);
    });

    it('a page script (X-Requested-With: XMLHttpRequest) gets a challenge browsers do not turn into a login prompt', async () => {
      const xhr = { 'x-requested-with': 'XMLHttpRequest' };
      const plain = await anonymous.get(v1);
      for (const res of [
        await anonymous.get(v1, { headers: xhr }),
        await anonymous.get(v1, { headers: { ...basic(user.username, 'wrong-password'), 'x-requested-with': 'xmlhttprequest' } }),
        await anonymous.put(v1, {}, { headers: xhr }),
      ]) {
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="registry"');
        expect(res.text).toBe(plain.text);
      }
      // the mark changes nothing else: a good login still works
      expect((await anonymous.get(v1, { headers: { ...basic(user.username, user.password), ...xhr } })).status).toBe(200);
      // other values keep the Basic challenge
      expect((await anonymous.get(v1, { headers: { 'x-requested-with': 'fetch' } })).headers.get('www-authenticate')).toBe(WWW_AUTHENTICATE);
    });
  });

  describe('on an /api route', () => {
    it('each way reaches /api/me and says how', async () => {
      const cookie = await login(http(t.baseUrl, user.auth));
      const ways: Array<[string, Record<string, string>, string]> = [
        [`/api/me?${urlAuth(user.username, user.password)}`, {}, 'password'],
        [`/api/me?${urlAuth(user.username, token)}`, {}, 'token'],
        ['/api/me', basic(user.username, user.password), 'password'],
        ['/api/me', bearer(token), 'token'],
        ['/api/me', { cookie }, 'session'],
      ];
      for (const [path, headers, via] of ways) {
        const res = await anonymous.get(path, { headers });
        expect([path, via, res.status]).toEqual([path, via, 200]);
        expect(res.body).toEqual({
          username: user.username,
          admin: false,
          permit: via === 'token' ? 'auth,registry.write,session,token.admin' : '*',
          via,
          tenants: [{ tenant: 't1', access: 'write' }],
        });
      }
    });

    it('401 is OVMS\'s plain text, with CORS and no-store', async () => {
      for (const res of [await anonymous.get('/api/me'), await anonymous.get('/api/me', { headers: basic(user.username, 'nope-nope') })]) {
        expect(res.status).toBe(401);
        expect(res.text).toBe('Authentication failed\n');
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
    });
  });

  describe('URL parameters as OVMS clients send them', () => {
    let spaced: TestUser;
    beforeAll(async () => {
      spaced = await createUser(t, { username: 'ünïcode.user' });
      await http(t.baseUrl, t.admin).put(`/api/users/${encodeURIComponent(spaced.username)}`, { password: 'pass word ✓ with spaces' });
    });

    it('+ decodes as a space and the password is UTF-8', async () => {
      const res = await anonymous.get(`/api/me?username=${encodeURIComponent('ünïcode.user')}&password=pass+word+%E2%9C%93+with+spaces`);
      expect(res.status).toBe(200);
      expect(res.body.username).toBe('ünïcode.user');
    });

    it('usernames are case-insensitive', async () => {
      const res = await anonymous.get(`/api/me?username=${encodeURIComponent('ÜNÏCODE.USER')}&password=${encodeURIComponent('pass word ✓ with spaces')}`);
      expect(res.status).toBe(200);
      expect(res.body.username).toBe('ünïcode.user');
      const ascii = await anonymous.get(`/api/me?${urlAuth(ADMIN.username.toUpperCase(), ADMIN.password)}`);
      expect(ascii.status).toBe(200);
    });

    it('the first of repeated keys wins', async () => {
      const res = await anonymous.get(`/api/me?username=${user.username}&password=${encodeURIComponent(user.password)}&password=wrong&username=other`);
      expect(res.status).toBe(200);
      expect(res.body.username).toBe(user.username);
    });

    it('array or object syntax is a 401, not a 500', async () => {
      for (const query of [`username[]=${user.username}&password=${user.password}`, `username=${user.username}&password[a]=x`, 'username=&password=']) {
        const res = await anonymous.get(`/api/me?${query}`);
        expect([query, res.status]).toEqual([query, 401]);
      }
    });

    it('the credentials in the URL do not count as search parameters', async () => {
      const res = await anonymous.get(`/v1/devices/t1?${urlAuth(user.username, user.password)}&pageSize=5`);
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(1);
    });
  });

  describe('permits', () => {
    it('a token whose permit is "none" authenticates nothing', async () => {
      const other = await createToken(t, user, 'auth');
      await t.db.query(`UPDATE api_tokens SET permit = 'none' WHERE token_prefix = $1`, [other.slice(0, 8)]);
      expect((await anonymous.get('/api/me', { headers: bearer(other) })).status).toBe(401);
    });

    it('a disabled user cannot authenticate with anything', async () => {
      const victim = await createUser(t, { tenants: [{ tenant: 't1', access: 'read' }] });
      const victimToken = await createToken(t, victim, 'auth');
      expect((await anonymous.get(v1, { headers: bearer(victimToken) })).status).toBe(200);
      expect((await http(t.baseUrl, t.admin).put(`/api/users/${victim.username}`, { enabled: false })).status).toBe(200);
      expect((await anonymous.get(v1, { headers: bearer(victimToken) })).status).toBe(401);
      expect((await anonymous.get(v1, { headers: victim.auth })).status).toBe(401);
    });
  });
});
