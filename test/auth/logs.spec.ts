import { request as httpRequest } from 'node:http';
import { http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser, login, urlAuth } from './helpers';

describe('no secret reaches a log line', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { captureLogs: true });
  });
  afterAll(() => t.close());

  it('passwords, tokens and session ids used in every way are absent from the logs', async () => {
    const user = await createUser(t, { username: 'logger' });
    const token = await createToken(t, user, '*');
    const api = http(t.baseUrl);
    const cookie = await login(http(t.baseUrl, user.auth));
    const sessionId = cookie.split('=')[1];
    await api.get(`/api/me?${urlAuth(user.username, user.password)}`);
    await api.get(`/api/me?${urlAuth(user.username, token)}`);
    await api.get('/api/me', { headers: bearer(token) });
    await api.get('/api/me', { headers: { cookie } });
    await api.get(`/api/me?${urlAuth(user.username, 'wrong-secret-value')}`);
    await api.get('/api/me', { headers: { authorization: `Basic ${Buffer.from('logger:another-wrong-secret').toString('base64')}` } });
    await http(t.baseUrl, user.auth).delete(`/api/token/${token}`);
    await http(t.baseUrl, t.admin).put(`/api/users/${user.username}`, { password: 'changed-secret-pw' });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const logs = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(8);
    for (const secret of [user.password, token, sessionId, 'wrong-secret-value', 'another-wrong-secret', 'changed-secret-pw', encodeURIComponent(user.password)]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain(Buffer.from('logger:another-wrong-secret').toString('base64'));
    const requestLines = t.logs.map((line) => JSON.parse(line)).filter((line) => line.req);
    expect(requestLines.length).toBeGreaterThan(8);
    for (const line of requestLines) expect(line.req.id).toEqual(expect.any(String));
    expect(logs).toContain('/api/token/***');
    expect(logs).toContain('/api/me?username&password');
  });

  it('other spellings of secrets in the URL leave only names and the redacted path in the log', async () => {
    const user = await createUser(t, { username: 'spellings' });
    const api = http(t.baseUrl);
    const first = await createToken(t, user, '*');
    const second = await createToken(t, user, '*');
    const encodedPassword = encodeURIComponent(user.password);
    const authenticated = await api.get(`/api/me?user%6Eame=${user.username}&pass%77ord=${encodedPassword}`);
    expect(authenticated.status).toBe(200); // authentication reads the decoded names…
    await api.get(`/api/me?password[]=bracket-secret-1&password[a]=bracket-secret-2&access_token=access-secret-3`);
    expect((await http(t.baseUrl, user.auth).delete(`/api/%74oken/${first}`)).status).toBe(200);
    const absolute = await new Promise<number>((resolve, reject) => {
      const url = new URL(t.baseUrl);
      const req = httpRequest({ agent: false, host: url.hostname, port: url.port, method: 'DELETE', path: `http://x/api/token/${second}`, headers: user.auth }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(absolute).toBe(200);
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_tokens WHERE user_id = (SELECT id FROM users WHERE username = $1)', [user.username])).rows[0].n).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const logs = t.logs.join('\n');
    for (const secret of [user.password, encodedPassword, first, second, 'bracket-secret-1', 'bracket-secret-2', 'access-secret-3']) {
      expect(logs).not.toContain(secret);
    }
    const urls = t.logs.map((line) => JSON.parse(line)).filter((line) => line.req).map((line) => line.req.url);
    // …and the log names them the same way
    expect(urls).toEqual(expect.arrayContaining(['/api/me?username&password', '/api/me?password[]&password[a]&access_token', '/api/token/***']));
    expect(urls.filter((url) => url === '/api/token/***').length).toBeGreaterThanOrEqual(2);
  });
});
