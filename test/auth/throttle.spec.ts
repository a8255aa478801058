import { http } from '../setup/http';
import { basic, startTestApp, TestApp } from '../setup/test-app';
import { createUser } from './helpers';

describe('throttling of failed logins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  const after: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await t.close();
    for (const close of after) await close();
  });

  it('repeated failures for one username get 429 with Retry-After, briefly, even for the right password', async () => {
    const user = await createUser(t);
    const api = http(t.baseUrl);
    for (let i = 0; i < 5; i++) expect((await api.get('/api/me', { headers: basic(user.username, `wrong-${i}`) })).status).toBe(401);
    expect((await api.get('/api/me', { headers: basic(user.username, 'wrong-again') })).status).toBe(401);
    const blocked = await api.get('/api/me', { headers: user.auth });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(blocked.body).toEqual({ error: expect.any(String) });
    const v1 = await api.get('/v1/tenants', { headers: user.auth });
    expect(v1.status).toBe(429);
    expect(v1.body).toEqual({ error: expect.any(String) });
    // another user from the same address is not blocked by this user's failures
    const other = await createUser(t);
    expect((await api.get('/api/me', { headers: other.auth })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
    expect((await api.get('/api/me', { headers: user.auth })).status).toBe(200);
  });

  it('many failures from one address across usernames are throttled too', async () => {
    const fresh = await startTestApp();
    const api = http(fresh.baseUrl);
    after.push(() => fresh.close());
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await api.get('/api/me', { headers: basic(`ghost-${i}`, 'whatever-pw') })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses).toContain(429);
  });
});
