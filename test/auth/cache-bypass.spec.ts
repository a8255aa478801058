import { PgNotifications } from '@app/database';
import { http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser, login } from './helpers';

/** Without the notification connection the caches are off (correctness over speed) and /health says so. */
describe('caches without the notification connection', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('/health reports the connection: up, and degraded (still 200) without it; cached credentials are not trusted meanwhile', async () => {
    const anonymous = http(t.baseUrl);
    const healthy = await anonymous.get('/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, notifications: { status: 'up', connection: 'up' } } });

    const user = await createUser(t);
    const token = await createToken(t, user, 'auth,session');
    const cookie = await login(http(t.baseUrl, user.auth));
    for (const headers of [user.auth, bearer(token), { cookie }]) {
      for (let i = 0; i < 2; i++) expect((await anonymous.get('/api/me', { headers })).status).toBe(200);
    }

    await t.app.get(PgNotifications).onModuleDestroy();
    const degraded = await anonymous.get('/health');
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({ status: 'degraded', details: { database: { status: 'up' }, notifications: { status: 'degraded', connection: 'down' } } });

    // changed behind this instance's back (as another instance would), with nobody here listening
    await t.db.query('UPDATE users SET enabled = false WHERE username = $1', [user.username]);
    for (const headers of [user.auth, bearer(token), { cookie }]) expect((await anonymous.get('/api/me', { headers })).status).toBe(401);
    // still served, only without the caches
    expect((await anonymous.get('/api/me', { headers: t.admin })).status).toBe(200);
    expect((await anonymous.get('/api/me', { headers: t.admin })).status).toBe(200);
  });
});
