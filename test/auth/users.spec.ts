import { http, Http } from '../setup/http';
import { ADMIN, basic, startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser } from './helpers';

const USER = {
  username: expect.any(String),
  admin: expect.any(Boolean),
  enabled: expect.any(Boolean),
  tenants: expect.any(Array),
  created: expect.stringMatching(/Z$/),
  updated: expect.stringMatching(/Z$/),
};

describe('users API (/api/users) and the admin bootstrap', () => {
  let t: TestApp;
  let admin: Http;

  beforeAll(async () => {
    t = await startTestApp();
    admin = http(t.baseUrl, t.admin);
    // grants name existing tenants
    for (const tenant of ['t1', 't2']) expect((await admin.post(`/v1/tenants/${tenant}`, {})).status).toBe(201);
  });
  afterAll(() => t.close());

  it('ADMIN_USERNAME/ADMIN_PASSWORD created an admin, stored with an argon2id hash', async () => {
    const res = await admin.get('/api/me');
    expect(res.body).toMatchObject({ username: ADMIN.username, admin: true, permit: '*', via: 'password' });
    const { rows } = await t.db.query('SELECT password_hash FROM users WHERE username = $1', [ADMIN.username]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('the bootstrap is idempotent and does not reset a changed password', async () => {
    await admin.post('/api/users', { username: 'second-admin', password: 'second-admin-pw', admin: true });
    const again = await startTestApp({}, { databaseUrl: t.databaseUrl });
    try {
      expect((await http(again.baseUrl, t.admin).get('/api/me')).status).toBe(200);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM users WHERE lower(username) = $1', [ADMIN.username]);
      expect(rows[0].n).toBe(1);
    } finally {
      await again.close();
    }
  });

  it('POST creates (201, never the password), 409 for a name that exists case-insensitively', async () => {
    const res = await admin.post('/api/users', { username: 'Alice', password: 'alice-password', tenants: [{ tenant: 't1', access: 'read' }] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ...USER, username: 'Alice', admin: false, enabled: true, tenants: [{ tenant: 't1', access: 'read' }] });
    expect(res.text).not.toContain('alice-password');
    const dup = await admin.post('/api/users', { username: 'ALICE', password: 'another-password' });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error: expect.any(String) });
  });

  it('GET lists and fetches users, 404 for an unknown one', async () => {
    const list = await admin.get('/api/users');
    expect(list.status).toBe(200);
    expect(list.body.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining([ADMIN.username, 'Alice']));
    for (const user of list.body) expect(user).toEqual(USER);
    expect(list.text).not.toMatch(/password|argon2/);
    expect((await admin.get('/api/users/alice')).body.username).toBe('Alice');
    const missing = await admin.get('/api/users/nobody');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('Unrecognised API call\n');
  });

  it('PUT changes only what is given', async () => {
    await admin.post('/api/users', { username: 'bob', password: 'bob-password' });
    const res = await admin.put('/api/users/bob', { tenants: [{ tenant: 't2', access: 'write' }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'bob', admin: false, enabled: true, tenants: [{ tenant: 't2', access: 'write' }] });
    expect((await http(t.baseUrl, basic('bob', 'bob-password')).get('/api/me')).body.tenants).toEqual([{ tenant: 't2', access: 'write' }]);
    const renamed = await admin.put('/api/users/bob', { username: 'robert' });
    expect(renamed.body.username).toBe('robert');
    expect((await http(t.baseUrl, basic('robert', 'bob-password')).get('/api/me')).status).toBe(200);
    expect((await admin.put('/api/users/robert', { username: 'alice' })).status).toBe(409);
    expect((await admin.put('/api/users/nobody', { enabled: false })).status).toBe(404);
  });

  it('bad bodies are 400 with a JSON error and change nothing', async () => {
    const cases = [
      { password: 'no-username' },
      { username: 'no-password' },
      { username: 'short', password: 'short' },
      { username: 'bad name', password: 'long-enough' },
      { username: 'x', password: 'long-enough', admin: 'yes' },
      { username: 'x', password: 'long-enough', tenants: [{ tenant: 't1', access: 'owner' }] },
      { username: 'x', password: 'long-enough', tenants: [{ tenant: 't1', access: 'read' }, { tenant: 't1', access: 'write' }] },
      { username: 'x', password: 'long-enough', role: 'admin' },
    ];
    for (const body of cases) {
      const res = await admin.post('/api/users', body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await admin.get('/api/users/x')).status).toBe(404);
    expect((await admin.post('/api/users', '{bad json')).status).toBe(400);
  });

  it('DELETE removes the user with its tokens and sessions (204)', async () => {
    const carol = await createUser(t, { username: 'carol' });
    const token = await createToken(t, carol, 'auth');
    expect((await http(t.baseUrl, bearer(token)).get('/api/me')).status).toBe(200);
    const res = await admin.delete('/api/users/carol');
    expect(res.status).toBe(204);
    expect((await http(t.baseUrl, bearer(token)).get('/api/me')).status).toBe(401);
    expect((await http(t.baseUrl, carol.auth).get('/api/me')).status).toBe(401);
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_tokens WHERE token_prefix = $1', [token.slice(0, 8)])).rows[0].n).toBe(0);
    expect((await admin.delete('/api/users/carol')).status).toBe(404);
  });

  it('the last enabled admin cannot be deleted, disabled or demoted (409)', async () => {
    const admins = (await admin.get('/api/users')).body.filter((u: { admin: boolean }) => u.admin);
    for (const other of admins) if (other.username !== ADMIN.username) await admin.delete(`/api/users/${other.username}`);
    expect((await admin.delete(`/api/users/${ADMIN.username}`)).status).toBe(409);
    expect((await admin.put(`/api/users/${ADMIN.username}`, { enabled: false })).status).toBe(409);
    expect((await admin.put(`/api/users/${ADMIN.username}`, { admin: false })).status).toBe(409);
    expect((await admin.get('/api/me')).status).toBe(200);
  });

  it('only admins with users.admin manage users', async () => {
    const plain = await createUser(t);
    for (const [method, path] of [['GET', '/api/users'], ['POST', '/api/users'], ['GET', `/api/users/${ADMIN.username}`], ['PUT', `/api/users/${plain.username}`], ['DELETE', `/api/users/${plain.username}`]]) {
      const res = await http(t.baseUrl, plain.auth).request(method, path, method === 'POST' || method === 'PUT' ? { body: { enabled: true } } : {});
      expect([method, path, res.status, res.text]).toEqual([method, path, 403, 'Insufficient rights\n']);
    }
    const adminToken = await createToken(t, { username: ADMIN.username, password: ADMIN.password, auth: t.admin }, 'auth,token.admin');
    expect((await http(t.baseUrl, bearer(adminToken)).get('/api/users')).status).toBe(403);
    const usersAdminToken = await createToken(t, { username: ADMIN.username, password: ADMIN.password, auth: t.admin }, 'users.admin');
    expect((await http(t.baseUrl, bearer(usersAdminToken)).get('/api/users')).status).toBe(200);
  });
});
