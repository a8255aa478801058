/**
 * One rule for optional fields and nested objects across every DTO: absent is fine, null is a wrong type,
 * a nested object is an object (not a list); plus the limits that keep one request cheap (docs/storage.md).
 */
import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { expectError } from './tenants-helpers';

let t: TestApp;
let api: Http;

beforeAll(async () => {
  t = await startTestApp({ BCRYPT_MAX_COST: '4' });
  api = http(t.baseUrl, t.admin);
  expect((await api.post('/v1/tenants/rules', {})).status).toBe(201);
  expect((await api.post('/v1/devices/rules/existing', {})).status).toBe(201);
});
afterAll(() => t.close());

const device = async (id: string) => (await t.db.query('SELECT body FROM devices WHERE tenant_id = $1 AND id = $2', ['rules', id])).rows[0]?.body;

describe('devices', () => {
  it.each([
    ['enabled null', { enabled: null }],
    ['ext null', { ext: null }],
    ['enabled and ext null', { enabled: null, ext: null }],
    ['defaults null', { defaults: null }],
    ['via null', { via: null }],
    ['command-endpoint null', { 'command-endpoint': null }],
    ['command-endpoint as a list', { 'command-endpoint': [{ uri: 'https://example.com/c' }] }],
    ['command-endpoint headers null', { 'command-endpoint': { uri: 'https://example.com/c', headers: null } }],
    ['a viaGroups entry over 256 characters', { viaGroups: ['g'.repeat(257)] }],
    ['a memberOf entry over 256 characters', { memberOf: ['g'.repeat(257)] }],
  ])('POST with %s → 400, nothing stored', async (_name, body) => {
    expectError(await api.post('/v1/devices/rules/bad', body), 400);
    expect(await device('bad')).toBeUndefined();
  });

  it('PUT with null fields → 400, the device unchanged', async () => {
    const before = await device('existing');
    expectError(await api.put('/v1/devices/rules/existing', { enabled: null, ext: null }), 400);
    expect(await device('existing')).toEqual(before);
  });

  it('the longest ids are fine in viaGroups and memberOf', async () => {
    expect((await api.post('/v1/devices/rules/grouped', { viaGroups: ['g'.repeat(256)] })).status).toBe(201);
    expect((await api.post('/v1/devices/rules/member', { memberOf: ['g'.repeat(256)] })).status).toBe(201);
  });
});

describe('tenants, credentials and device authentication', () => {
  it('a tenant with null fields → 400', async () => {
    expectError(await api.post('/v1/tenants/nulls', { enabled: null, ext: null }), 400);
    expectError(await api.post('/v1/tenants/nulls', { adapters: [null] }), 400);
    expect((await t.db.query("SELECT 1 FROM tenants WHERE id = 'nulls'")).rowCount).toBe(0);
  });

  it('credentials with null fields or null secrets → 400', async () => {
    for (const body of [
      [{ type: 'hashed-password', 'auth-id': 'a', enabled: null, secrets: [{ 'pwd-plain': 'pw-123456' }] }],
      [{ type: 'hashed-password', 'auth-id': 'a', secrets: [null] }],
      [{ type: 'psk', 'auth-id': 'a', secrets: [[{ key: 'AAAA' }]] }],
    ]) {
      expectError(await api.put('/v1/credentials/rules/existing', body), 400);
    }
    expect((await api.get('/v1/credentials/rules/existing')).body).toEqual([]);
  });

  it('device authentication with a null password → 400', async () => {
    expectError(await api.post('/v1/authenticate/rules', { type: 'hashed-password', 'auth-id': 'a', password: null }), 400);
  });
});

describe('at most 10 secrets per credential', () => {
  const passwords = (n: number) => Array.from({ length: n }, (_, i) => ({ 'pwd-plain': `password-${i}` }));

  it('11 pwd-plain secrets → 400 before any hashing, nothing stored', async () => {
    const res = await api.put('/v1/credentials/rules/existing', [{ type: 'hashed-password', 'auth-id': 'many', secrets: passwords(11) }]);
    expectError(res, 400, /at most 10 secrets/);
    expect((await api.get('/v1/credentials/rules/existing')).body).toEqual([]);
  });

  it('11 generic secrets → 400', async () => {
    const secrets = Array.from({ length: 11 }, (_, i) => ({ value: i }));
    expectError(await api.put('/v1/credentials/rules/existing', [{ type: 'custom', 'auth-id': 'many', secrets }]), 400, /at most 10 secrets/);
  });

  it('10 secrets are fine, and every one of them authenticates', async () => {
    expect((await api.put('/v1/credentials/rules/existing', [{ type: 'hashed-password', 'auth-id': 'ten', secrets: passwords(10) }])).status).toBe(204);
    const res = await api.post('/v1/authenticate/rules', { type: 'hashed-password', 'auth-id': 'ten', password: 'password-9' });
    expect(res.status).toBe(200);
  });
});

describe('/api bodies', () => {
  it('POST /api/token with a JSON body that is not an object → 400, no token', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n;
    for (const body of ['[1,2]', '"auth"', '5', 'null']) {
      const res = await api.post('/api/token', body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n).toBe(before);
  });

  it('users: null fields → 400 on create and on update, nothing changes', async () => {
    for (const body of [
      { username: 'nully', password: 'nully-password', admin: null },
      { username: 'nully', password: 'nully-password', tenants: null },
      { username: 'nully', password: 'nully-password', tenants: [null] },
    ]) {
      expect((await api.post('/api/users', body)).status).toBe(400);
    }
    expect((await api.post('/api/users', { username: 'nully', password: 'nully-password' })).status).toBe(201);
    const before = (await t.db.query("SELECT password_hash, enabled, admin FROM users WHERE username = 'nully'")).rows[0];
    for (const body of [{ password: null }, { enabled: null }, { admin: null }, { username: null }]) {
      const res = await api.put('/api/users/nully', body);
      expect([body, res.status]).toEqual([body, 400]);
    }
    expect((await t.db.query("SELECT password_hash, enabled, admin FROM users WHERE username = 'nully'")).rows[0]).toEqual(before);
  });

  it('peers: a null name → 400', async () => {
    const res = await api.post('/api/peers', { name: null });
    expect(res.status).toBe(400);
    expect((await t.db.query('SELECT count(*)::int AS n FROM peers')).rows[0].n).toBe(0);
  });
});
