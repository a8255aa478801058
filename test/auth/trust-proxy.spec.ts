import { ConfigError, loadConfig } from '../../apps/registry/src/config/config';
import { http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';

const secureOf = (setCookie: string | null) => (setCookie ?? '').split(';').map((part) => part.trim()).includes('Secure');

/** TRUST_PROXY (docs/operators.md): which peers' X-Forwarded-* are believed, and the session cookie's Secure flag. */
describe('TRUST_PROXY and the Secure cookie', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  async function start(env: Record<string, string>) {
    const app = await startTestApp(env);
    apps.push(app);
    return app;
  }
  async function cookieFrom(app: TestApp, headers: Record<string, string> = {}) {
    const res = await http(app.baseUrl, app.admin).get('/api/cookie', { headers });
    expect(res.status).toBe(200);
    return res.headers.get('set-cookie');
  }

  it('plain http without a trusted proxy: no Secure, whatever X-Forwarded-Proto says', async () => {
    const app = await start({});
    expect(secureOf(await cookieFrom(app))).toBe(false);
    expect(secureOf(await cookieFrom(app, { 'x-forwarded-proto': 'https' }))).toBe(false);
  });

  it('a trusted proxy that says https makes the cookie (and its removal) Secure', async () => {
    const app = await start({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' });
    const login = await cookieFrom(app, { 'x-forwarded-proto': 'https' });
    expect(secureOf(login)).toBe(true);
    expect(login).toMatch(/^ovmsapisession=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    expect(secureOf(await cookieFrom(app))).toBe(false);
    expect(secureOf(await cookieFrom(app, { 'x-forwarded-proto': 'http' }))).toBe(false);
    const logout = await http(app.baseUrl, { cookie: login!.split(';')[0], 'x-forwarded-proto': 'https' }).delete('/api/cookie');
    expect(logout.status).toBe(200);
    expect(logout.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect(secureOf(logout.headers.get('set-cookie'))).toBe(true);
  });

  it('a proxy that is not in the list is not believed', async () => {
    const app = await start({ TRUST_PROXY: '10.0.0.1' });
    expect(secureOf(await cookieFrom(app, { 'x-forwarded-proto': 'https' }))).toBe(false);
  });

  it('an https PUBLIC_URL makes the cookie Secure', async () => {
    const app = await start({ PUBLIC_URL: 'https://registry.example' });
    expect(secureOf(await cookieFrom(app))).toBe(true);
  });

  it('TRUST_PROXY takes addresses, CIDR ranges and loopback/linklocal/uniquelocal; anything else stops the start naming it', () => {
    const base = { DATABASE_URL: 'postgres://x@localhost/x', SECRET_KEY: 'k'.repeat(32) };
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1,fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8', 'loopback']);
    expect(loadConfig(base).trustProxy).toEqual([]);
    for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.1/8/8', '*', '10.0.0.1,,']) {
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad })).toThrow(/^TRUST_PROXY must be/);
    }
  });
});
