import { createHash } from 'node:crypto';
import { http, Http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser, TestUser } from './helpers';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('API tokens (/api/token)', () => {
  let t: TestApp;
  let anonymous: Http;
  let user: TestUser;
  let api: Http;

  beforeAll(async () => {
    t = await startTestApp();
    anonymous = http(t.baseUrl);
    user = await createUser(t);
    api = http(t.baseUrl, user.auth);
  });
  afterAll(() => t.close());

  it('POST with multipart/form-data (curl -F): 201 JSON, a 64-hex token shown once, stored hashed', async () => {
    const form = new FormData();
    form.set('application', 'ha');
    form.set('purpose', 'home automation');
    form.set('permit', 'auth,session');
    const response = await fetch(`${t.baseUrl}/api/token`, { method: 'POST', headers: user.auth, body: form });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text.endsWith('}\n')).toBe(true);
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual(['application', 'owner', 'permit', 'purpose', 'token']);
    expect(body).toEqual({ application: 'ha', owner: user.username, permit: 'auth,session', purpose: 'home automation', token: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const { rows } = await t.db.query('SELECT token_hash, token_prefix FROM api_tokens WHERE token_hash = $1', [sha256(body.token)]);
    expect(rows).toHaveLength(1);
    const all = await t.db.query('SELECT * FROM api_tokens');
    expect(JSON.stringify(all.rows)).not.toContain(body.token);
  });

  it('POST with x-www-form-urlencoded (curl -d) and with JSON; defaults notspecified/notspecified/auth', async () => {
    const form = await api.post('/api/token', 'application=cli&purpose=scripts&permit=auth%2Cregistry.write', { contentType: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(201);
    expect(form.body).toMatchObject({ application: 'cli', purpose: 'scripts', permit: 'auth,registry.write' });
    const json = await api.post('/api/token', {});
    expect(json.status).toBe(201);
    expect(json.body).toMatchObject({ application: 'notspecified', purpose: 'notspecified', permit: 'auth' });
    const none = await api.post('/api/token');
    expect(none.status).toBe(201);
    expect(none.body.permit).toBe('auth');
  });

  it('GET lists the caller\'s tokens, masked, with id, owner and times', async () => {
    const token = await createToken(t, user, 'auth');
    const res = await api.get('/api/token');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const mine = res.body.find((entry: { token: string }) => entry.token === `${token.slice(0, 8)}…`);
    expect(mine).toEqual({
      application: 'tests',
      created: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      lastused: null,
      owner: user.username,
      permit: 'auth',
      purpose: 'testing',
      refreshed: expect.any(String),
      token: `${token.slice(0, 8)}…`,
    });
    expect(res.text).not.toContain(token);
    await anonymous.get('/api/me', { headers: bearer(token) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await api.get('/api/token');
    expect(after.body.find((entry: { id: string }) => entry.id === mine.id).lastused).toMatch(/^\d{4}-/);
  });

  it('validates fields: lengths, unknown rights (named), empty permit', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ application: 'a'.repeat(33) }, /application/],
      [{ purpose: 'p'.repeat(81) }, /purpose/],
      [{ permit: `auth,${'x'.repeat(256)}` }, /permit/],
      [{ permit: 'auth,vehicle.control' }, /vehicle\.control/],
      [{ permit: 'auth, regisrty.write' }, /regisrty\.write/],
      [{ permit: '' }, /permit/],
      [{ application: 5 }, /application/],
    ];
    const before = (await t.db.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n;
    for (const [body, message] of cases) {
      const res = await api.post('/api/token', body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(res.body.error).toMatch(message);
    }
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n).toBe(before);
  });

  it('permits are case-insensitive and * is the whole string only', async () => {
    const upper = await api.post('/api/token', { permit: 'AUTH,Session' });
    expect(upper.status).toBe(201);
    const cookie = await anonymous.get('/api/cookie', { headers: bearer(upper.body.token) });
    expect(cookie.status).toBe(200);
    const starred = await api.post('/api/token', { permit: 'auth,*' });
    expect(starred.status).toBe(400);
  });

  it('no escalation: a token mints only within its own permit', async () => {
    const limited = await createToken(t, user, 'auth,token.admin');
    const asLimited = http(t.baseUrl, bearer(limited));
    expect((await asLimited.post('/api/token', { permit: 'auth' })).status).toBe(201);
    expect((await asLimited.post('/api/token', { permit: 'token.admin' })).status).toBe(201);
    const escalate = await asLimited.post('/api/token', { permit: 'auth,registry.write' });
    expect(escalate.status).toBe(403);
    expect(escalate.text).toBe('Insufficient rights\n');
    expect((await asLimited.post('/api/token', { permit: '*' })).status).toBe(403);
    const adminRight = await createToken(t, user, 'admin');
    expect((await http(t.baseUrl, bearer(adminRight)).get('/api/token')).status).toBe(200);
    const authOnly = await createToken(t, user, 'auth');
    expect((await http(t.baseUrl, bearer(authOnly)).get('/api/token')).status).toBe(403);
    expect((await http(t.baseUrl, bearer(authOnly)).post('/api/token', {})).status).toBe(403);
  });

  it('a permit names only rights its owner has: a non-admin cannot mint users.admin or peering.admin (400), an admin can', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n;
    for (const permit of ['auth,users.admin,peering.admin', 'users.admin', 'auth,PEERING.ADMIN']) {
      const res = await api.post('/api/token', { permit });
      expect([permit, res.status]).toEqual([permit, 400]);
      expect(res.text).toMatch(/only administrators/);
    }
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n).toBe(before);
    // what a non-admin may hold, including the adapter right and the whole-permit *
    for (const permit of ['*', 'auth,registry.write,registry.adapter']) expect((await api.post('/api/token', { permit })).status).toBe(201);
    const admin = http(t.baseUrl, t.admin);
    expect((await admin.post('/api/token', { permit: 'auth,users.admin,peering.admin' })).status).toBe(201);
  });

  it('DELETE by full token or by id; 200 {owner, token} also when nothing matched; the token dies at once', async () => {
    const byToken = await createToken(t, user, 'auth');
    expect((await anonymous.get('/api/me', { headers: bearer(byToken) })).status).toBe(200);
    const deleted = await api.delete(`/api/token/${byToken}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ owner: user.username, token: byToken });
    expect((await anonymous.get('/api/me', { headers: bearer(byToken) })).status).toBe(401);

    const byId = await createToken(t, user, 'auth');
    const id = (await api.get('/api/token')).body.find((entry: { token: string }) => entry.token.startsWith(byId.slice(0, 8))).id;
    expect((await api.delete(`/api/token/${id}`)).status).toBe(200);
    expect((await anonymous.get('/api/me', { headers: bearer(byId) })).status).toBe(401);

    const nothing = await api.delete('/api/token/does-not-exist');
    expect(nothing.status).toBe(200);
    expect(nothing.body).toEqual({ owner: user.username, token: 'does-not-exist' });
  });

  it('never touches another user\'s token', async () => {
    const other = await createUser(t);
    const theirs = await createToken(t, other, 'auth');
    const theirId = (await http(t.baseUrl, other.auth).get('/api/token')).body[0].id;
    expect((await api.delete(`/api/token/${theirs}`)).status).toBe(200);
    expect((await api.delete(`/api/token/${theirId}`)).status).toBe(200);
    expect((await anonymous.get('/api/me', { headers: bearer(theirs) })).status).toBe(200);
    const list = await api.get('/api/token');
    expect(list.body.every((entry: { owner: string }) => entry.owner === user.username)).toBe(true);
  });

  it('DELETE /api/token without a token: 404 Token not specified', async () => {
    const res = await api.delete('/api/token');
    expect(res.status).toBe(404);
    expect(res.text).toBe('Token not specified\n');
  });

  it('a URL token only works for its own user', async () => {
    const token = await createToken(t, user, 'auth');
    const other = await createUser(t);
    expect((await anonymous.get(`/api/me?username=${other.username}&password=${token}`)).status).toBe(401);
    expect((await anonymous.get(`/api/me?username=${user.username}&password=${token}`)).status).toBe(200);
  });
});

describe('/api dispatch', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each([
    ['GET', '/api'],
    ['GET', '/api/'],
    ['GET', '/api/vehicles'],
    ['PUT', '/api/cookie'],
    ['PATCH', '/api/token'],
    ['GET', '/api/nothing/here'],
  ])('%s %s → 404 Unrecognised API call before authentication', async (method, path) => {
    const res = await http(t.baseUrl).request(method, path);
    expect(res.status).toBe(404);
    expect(res.text).toBe('Unrecognised API call\n');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
