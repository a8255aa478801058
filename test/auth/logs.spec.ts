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
    expect(logs).toContain('password=***');
  });
});
