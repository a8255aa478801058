import { createHash } from 'node:crypto';
import { SessionsService } from '@app/auth';
import { http, Http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser, login, TestUser, urlAuth } from './helpers';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('cookie sessions (/api/cookie)', () => {
  let t: TestApp;
  let anonymous: Http;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ SESSION_IDLE_SECONDS: '3' });
    anonymous = http(t.baseUrl);
    user = await createUser(t);
  });
  afterAll(() => t.close());

  it('GET /api/cookie: 200 Login ok, an HttpOnly SameSite=Lax cookie on /, stored only hashed', async () => {
    const res = await anonymous.get(`/api/cookie?${urlAuth(user.username, user.password)}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('Login ok\n');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ovmsapisession=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Lax$/);
    const id = setCookie.split(';')[0].split('=')[1];
    const { rows } = await t.db.query('SELECT id_hash FROM sessions');
    expect(rows.map((r) => r.id_hash)).toContain(sha256(id));
    expect(JSON.stringify(rows)).not.toContain(id);
  });

  it('works with curl-style cookie jars on /api and /v1, and DELETE logs out', async () => {
    const cookie = await login(http(t.baseUrl, user.auth));
    expect((await anonymous.get('/api/me', { headers: { cookie } })).body.via).toBe('session');
    const logout = await anonymous.delete('/api/cookie', { headers: { cookie } });
    expect(logout.status).toBe(200);
    expect(logout.text).toBe('Logout ok\n');
    expect(logout.headers.get('set-cookie')).toMatch(/^ovmsapisession=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
    expect((await anonymous.get('/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it('a second login with a valid cookie rotates it: new id, the old one dies', async () => {
    const first = await login(http(t.baseUrl, user.auth));
    const second = await login(http(t.baseUrl, { cookie: first }));
    expect(second).not.toBe(first);
    expect((await anonymous.get('/api/me', { headers: { cookie: first } })).status).toBe(401);
    expect((await anonymous.get('/api/me', { headers: { cookie: second } })).status).toBe(200);
  });

  it('expires after SESSION_IDLE_SECONDS without use, and use keeps it alive', async () => {
    const idle = await login(http(t.baseUrl, user.auth));
    const busy = await login(http(t.baseUrl, user.auth));
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await anonymous.get('/api/me', { headers: { cookie: busy } })).status).toBe(200);
    }
    expect((await anonymous.get('/api/me', { headers: { cookie: idle } })).status).toBe(401);
    expect((await anonymous.get('/api/me', { headers: { cookie: busy } })).status).toBe(200);
  });

  it('dies with the token that opened it', async () => {
    const token = await createToken(t, user, 'auth,session,token.admin');
    const cookie = await login(http(t.baseUrl, bearer(token)));
    expect((await anonymous.get('/api/me', { headers: { cookie } })).body).toMatchObject({ via: 'session', permit: 'auth,session,token.admin' });
    expect((await http(t.baseUrl, user.auth).delete(`/api/token/${token}`)).status).toBe(200);
    expect((await anonymous.get('/api/me', { headers: { cookie } })).status).toBe(401);
  });

  it('a token without the session right cannot log in (403)', async () => {
    const token = await createToken(t, user, 'auth');
    const res = await anonymous.get('/api/cookie', { headers: bearer(token) });
    expect(res.status).toBe(403);
    expect(res.text).toBe('Insufficient rights\n');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('all of a user\'s sessions die on password change, disable and delete', async () => {
    const victim = await createUser(t);
    const admin = http(t.baseUrl, t.admin);
    const a = await login(http(t.baseUrl, victim.auth));
    expect((await admin.put(`/api/users/${victim.username}`, { password: 'a-new-password' })).status).toBe(200);
    expect((await anonymous.get('/api/me', { headers: { cookie: a } })).status).toBe(401);
    expect((await anonymous.get('/api/me', { headers: victim.auth })).status).toBe(401);
    const renewed = { ...victim, password: 'a-new-password', auth: { authorization: `Basic ${Buffer.from(`${victim.username}:a-new-password`).toString('base64')}` } };
    const b = await login(http(t.baseUrl, renewed.auth));
    expect((await admin.put(`/api/users/${victim.username}`, { enabled: false })).status).toBe(200);
    expect((await anonymous.get('/api/me', { headers: { cookie: b } })).status).toBe(401);
    expect((await admin.put(`/api/users/${victim.username}`, { enabled: true })).status).toBe(200);
    const c = await login(http(t.baseUrl, renewed.auth));
    expect((await admin.delete(`/api/users/${victim.username}`)).status).toBe(204);
    expect((await anonymous.get('/api/me', { headers: { cookie: c } })).status).toBe(401);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE lower(u.username) = lower($1)', [victim.username]);
    expect(rows[0].n).toBe(0);
  });

  it('a session survives a restart of the service (it lives in PostgreSQL)', async () => {
    const cookie = await login(http(t.baseUrl, user.auth));
    const second = await startTestApp({ SESSION_IDLE_SECONDS: '3' }, { databaseUrl: t.databaseUrl });
    try {
      const res = await http(second.baseUrl).get('/api/me', { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(res.body.username).toBe(user.username);
    } finally {
      await second.close();
    }
  });

  it('a session survives a restart into another time zone, where its use slides the expiry by the database clock', async () => {
    const cookie = await login(http(t.baseUrl, user.auth));
    const idHash = sha256(cookie.split('=')[1]);
    const lastUsed = async () => (await t.db.query('SELECT last_used, (extract(epoch FROM now() - last_used) * 1000)::float8 AS idle_ms FROM sessions WHERE id_hash = $1', [idHash])).rows[0];
    const before = await lastUsed();
    const saved = { TZ: process.env.TZ, PGOPTIONS: process.env.PGOPTIONS };
    // the new instance's clock and its database sessions fourteen hours ahead of UTC
    process.env.TZ = 'Pacific/Kiritimati';
    process.env.PGOPTIONS = '-c TimeZone=Pacific/Kiritimati';
    try {
      const second = await startTestApp({ SESSION_IDLE_SECONDS: '3' }, { databaseUrl: t.databaseUrl });
      try {
        const res = await http(second.baseUrl).get('/api/me', { headers: { cookie } });
        expect(res.status).toBe(200);
        // past a tenth of the idle time a use is recorded (debounced), by the database's now()
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect((await http(second.baseUrl).get('/api/me', { headers: { cookie } })).status).toBe(200);
        for (let i = 0; i < 50 && (await lastUsed()).last_used.getTime() === before.last_used.getTime(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
        const after = await lastUsed();
        expect(after.last_used.getTime()).toBeGreaterThan(before.last_used.getTime());
        expect(Math.abs(after.idle_ms)).toBeLessThan(1000);
      } finally {
        await second.close();
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('expired rows are purged', async () => {
    await t.db.query(`INSERT INTO sessions (id_hash, user_id, permit, last_used) SELECT 'stale', id, '*', now() - interval '1 hour' FROM users LIMIT 1`);
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM sessions WHERE id_hash = 'stale'`);
    expect(rows[0].n).toBe(1);
    const live = await login(http(t.baseUrl, user.auth));
    // the purge runs every minute; call it the way the timer does
    expect(await t.app.get(SessionsService).purgeExpired()).toBeGreaterThanOrEqual(1);
    expect((await t.db.query(`SELECT 1 FROM sessions WHERE id_hash = 'stale'`)).rowCount).toBe(0);
    expect((await anonymous.get('/api/me', { headers: { cookie: live } })).status).toBe(200);
  });
});
