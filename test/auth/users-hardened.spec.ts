import { http, Http } from '../setup/http';
import { ADMIN, basic, startTestApp, TestApp } from '../setup/test-app';
import { createUser } from './helpers';

/** Rules on operators (docs/operators.md): one name per look-alike, grants on real tenants only, always an admin. */
describe('users: look-alike names, grants that die with their tenant, the last admin', () => {
  let t: TestApp;
  let admin: Http;

  beforeAll(async () => {
    t = await startTestApp();
    admin = http(t.baseUrl, t.admin);
  });
  afterAll(() => t.close());

  const users = async () => (await t.db.query('SELECT username FROM users ORDER BY username')).rows.map((row) => row.username);

  it('names are one after NFKC and case folding: roſſ, ｒoss and ROSS are ross (409), and each logs in as ross', async () => {
    expect((await admin.post('/api/users', { username: 'ross', password: 'ross-password' })).status).toBe(201);
    for (const username of ['roſſ', 'ｒoss', 'ROSS', 'Ross']) {
      const res = await admin.post('/api/users', { username, password: 'other-password' });
      expect([username, res.status]).toEqual([username, 409]);
      expect(res.body).toEqual({ error: expect.any(String) });
      const me = await http(t.baseUrl, basic(username, 'ross-password')).get('/api/me');
      expect([username, me.status, me.body?.username]).toEqual([username, 200, 'ross']);
    }
    expect((await admin.get('/api/users/roſſ')).body.username).toBe('ross');
    expect((await admin.post('/api/users', { username: 'strasse', password: 'strasse-password' })).status).toBe(201);
    expect((await admin.post('/api/users', { username: 'Straße', password: 'strasse-password' })).status).toBe(409);
  });

  it('a name that mixes scripts is a 400, on create and on rename, and changes nothing', async () => {
    const before = await users();
    for (const username of ['rοss', 'rоss', 'pаypal', 'admіn']) {
      const res = await admin.post('/api/users', { username, password: 'some-password' });
      expect([username, res.status]).toEqual([username, 400]);
      expect(res.body.error).toMatch(/mix scripts/);
    }
    expect((await admin.put('/api/users/ross', { username: 'rοss' })).status).toBe(400);
    expect(await users()).toEqual(before);
    // one script, or scripts that are written together, are fine
    for (const username of ['ρόσσ', 'иван', '山田', '山田たろう', 'tarō-山田']) expect([username, (await admin.post('/api/users', { username, password: 'some-password' })).status]).toEqual([username, 201]);
  });

  it('grants must name existing tenants: 400 on create and update, and nothing changes', async () => {
    expect((await admin.post('/v1/tenants/real', {})).status).toBe(201);
    const before = await users();
    const create = await admin.post('/api/users', { username: 'grantee', password: 'grantee-password', tenants: [{ tenant: 'real', access: 'read' }, { tenant: 'imaginary', access: 'write' }] });
    expect(create.status).toBe(400);
    expect(create.body.error).toMatch(/imaginary/);
    expect(await users()).toEqual(before);
    const user = await createUser(t, { tenants: [{ tenant: 'real', access: 'read' }] });
    const update = await admin.put(`/api/users/${user.username}`, { tenants: [{ tenant: 'imaginary', access: 'write' }] });
    expect(update.status).toBe(400);
    expect((await admin.get(`/api/users/${user.username}`)).body.tenants).toEqual([{ tenant: 'real', access: 'read' }]);
  });

  it('grants die with their tenant: a re-created tenant of the same id is not reachable with the old grant', async () => {
    expect((await admin.post('/v1/tenants/acme', {})).status).toBe(201);
    expect((await admin.post('/v1/devices/acme/old-device', {})).status).toBe(201);
    const oldops = await createUser(t, { tenants: [{ tenant: 'acme', access: 'write' }] });
    const asOldops = http(t.baseUrl, oldops.auth);
    expect((await asOldops.get('/v1/devices/acme/old-device')).status).toBe(200); // its login is cached now
    expect((await admin.delete('/v1/tenants/acme')).status).toBe(204);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM user_tenants WHERE tenant_id = 'acme'`)).rows[0].n).toBe(0);
    // acme again, for another customer
    expect((await admin.post('/v1/tenants/acme', {})).status).toBe(201);
    expect((await admin.post('/v1/devices/acme/new-device', {})).status).toBe(201);
    expect((await asOldops.get('/v1/devices/acme/new-device')).status).toBe(404);
    expect((await asOldops.delete('/v1/devices/acme/new-device')).status).toBe(404);
    expect((await asOldops.get('/api/me')).body.tenants).toEqual([]);
    expect((await admin.get('/v1/devices/acme/new-device')).status).toBe(200);
  });

  it('two admins disabled at the same time: one succeeds, the other is 409, and an enabled admin remains', async () => {
    await admin.post('/api/users', { username: 'admin2', password: 'admin2-password', admin: true });
    const enabledAdmins = async () => (await t.db.query('SELECT count(*)::int AS n FROM users WHERE admin AND enabled')).rows[0].n;
    // only these two are enabled admins
    for (const row of (await t.db.query(`SELECT username FROM users WHERE admin AND enabled AND username NOT IN ($1, 'admin2')`, [ADMIN.username])).rows) {
      expect((await admin.delete(`/api/users/${row.username}`)).status).toBe(204);
    }
    expect(await enabledAdmins()).toBe(2);
    const admin2 = http(t.baseUrl, basic('admin2', 'admin2-password'));
    const refusals: number[] = [];
    for (let round = 0; round < 5; round++) {
      // both callers authenticated just before (cached logins), then both writes at once
      expect((await Promise.all([admin.get('/api/me'), admin2.get('/api/me')])).map((res) => res.status)).toEqual([200, 200]);
      const answers = await Promise.all([admin.put('/api/users/admin2', { enabled: false }), admin2.put(`/api/users/${ADMIN.username}`, { enabled: false })]);
      const statuses = answers.map((res) => res.status).sort();
      // the loser is refused (409), or no longer authenticates when its own disable came first (401)
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      refusals.push(statuses[1]);
      expect(await enabledAdmins()).toBe(1);
      // put both back for the next round (through the database: the disabled one cannot log in)
      await t.db.query(`UPDATE users SET enabled = true WHERE username IN ($1, 'admin2')`, [ADMIN.username]);
    }
    expect(refusals).toContain(409);
    expect((await Promise.all([admin.get('/api/me'), admin2.get('/api/me')])).map((res) => res.status)).toEqual([200, 200]);
    const deletes = await Promise.all([admin.delete('/api/users/admin2'), admin2.delete(`/api/users/${ADMIN.username}`)]);
    expect(deletes.map((res) => res.status).sort()[0]).toBe(204);
    expect([401, 409]).toContain(deletes.map((res) => res.status).sort()[1]);
    expect(await enabledAdmins()).toBe(1);
  });
});
