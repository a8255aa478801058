import { http, Http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';
import { bearer, createToken, createUser, TestUser } from './helpers';

/** Every registry route that lives inside tenant t1, with a body where it takes one. */
const TENANT_ROUTES: Array<[string, string, object?]> = [
  ['GET', '/v1/tenants/t1'],
  ['PUT', '/v1/tenants/t1', {}],
  ['DELETE', '/v1/tenants/t1'],
  ['POST', '/v1/tenants/t1', {}],
  ['POST', '/v1/devices/t1', {}],
  ['GET', '/v1/devices/t1'],
  ['DELETE', '/v1/devices/t1'],
  ['POST', '/v1/devices/t1/new-device', {}],
  ['GET', '/v1/devices/t1/d1'],
  ['PUT', '/v1/devices/t1/d1', {}],
  ['GET', '/v1/credentials/t1/d1'],
  ['PUT', '/v1/credentials/t1/d1', []],
  ['DELETE', '/v1/devices/t1/d1'],
];

describe('tenant isolation and permits on the registry', () => {
  let t: TestApp;
  let admin: Http;
  let outsider: TestUser;
  let reader: TestUser;
  let writer: TestUser;

  async function state() {
    const { rows } = await t.db.query(`SELECT (SELECT json_agg(t ORDER BY id) FROM tenants t) AS tenants, (SELECT json_agg(d ORDER BY tenant_id, id) FROM devices d) AS devices`);
    return rows[0];
  }

  beforeAll(async () => {
    t = await startTestApp();
    admin = http(t.baseUrl, t.admin);
    for (const tenant of ['t1', 't2']) {
      expect((await admin.post(`/v1/tenants/${tenant}`, { ext: { name: tenant } })).status).toBe(201);
      expect((await admin.post(`/v1/devices/${tenant}/d1`, {})).status).toBe(201);
    }
    outsider = await createUser(t, { tenants: [{ tenant: 't2', access: 'write' }] });
    reader = await createUser(t, { tenants: [{ tenant: 't1', access: 'read' }] });
    writer = await createUser(t, { tenants: [{ tenant: 't1', access: 'write' }, { tenant: 't2', access: 'read' }] });
  });
  afterAll(() => t.close());

  it('a user without a grant gets 404 on every route of the tenant, and nothing changes', async () => {
    const before = await state();
    for (const [method, path, body] of TENANT_ROUTES) {
      const res = await http(t.baseUrl, outsider.auth).request(method, path, body ? { body } : {});
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
    expect(await state()).toEqual(before);
  });

  it('a read grant reads but cannot write (403), and nothing changes', async () => {
    const before = await state();
    const api = http(t.baseUrl, reader.auth);
    for (const [method, path, body] of TENANT_ROUTES) {
      const res = await api.request(method, path, body ? { body } : {});
      const expected = method === 'GET' ? 200 : 403;
      expect([method, path, res.status]).toEqual([method, path, expected]);
    }
    expect(await state()).toEqual(before);
  });

  it('a write grant writes devices; tenants themselves are changed by admins only', async () => {
    const api = http(t.baseUrl, writer.auth);
    expect((await api.post('/v1/devices/t1/by-writer', {})).status).toBe(201);
    expect((await api.put('/v1/devices/t1/by-writer', { enabled: false })).status).toBe(204);
    expect((await api.delete('/v1/devices/t1/by-writer')).status).toBe(204);
    expect((await api.get('/v1/tenants/t1')).status).toBe(200);
    expect((await api.put('/v1/tenants/t1', {})).status).toBe(403);
    expect((await api.delete('/v1/tenants/t1')).status).toBe(403);
    expect((await api.post('/v1/tenants', {})).status).toBe(403);
    expect((await api.post('/v1/tenants/brand-new', {})).status).toBe(404);
    expect((await api.post('/v1/devices/t2/by-writer', {})).status).toBe(403);
  });

  it('the tenant search shows only granted tenants', async () => {
    const asWriter = await http(t.baseUrl, writer.auth).get('/v1/tenants');
    expect(asWriter.status).toBe(200);
    expect(asWriter.body.result.map((x: { id: string }) => x.id)).toEqual(['t1', 't2']);
    const asReader = await http(t.baseUrl, reader.auth).get('/v1/tenants');
    expect(asReader.body).toMatchObject({ total: 1, result: [{ id: 't1' }] });
    const nobody = await createUser(t);
    expect((await http(t.baseUrl, nobody.auth).get('/v1/tenants')).status).toBe(404);
    expect((await admin.get('/v1/tenants')).body.total).toBe(2);
  });

  it('the permit narrows what the user may do: auth reads, registry.write writes', async () => {
    const readOnly = await createToken(t, writer, 'auth');
    const writing = await createToken(t, writer, 'registry.write');
    expect((await http(t.baseUrl, bearer(readOnly)).get('/v1/devices/t1/d1')).status).toBe(200);
    const refused = await http(t.baseUrl, bearer(readOnly)).post('/v1/devices/t1/via-token', {});
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: expect.any(String) });
    expect((await http(t.baseUrl, bearer(writing)).post('/v1/devices/t1/via-token', {})).status).toBe(201);
    expect((await http(t.baseUrl, bearer(writing)).get('/v1/devices/t1/via-token')).status).toBe(200);
    // effective rights are the intersection: the token cannot exceed the user's read grant on t2
    expect((await http(t.baseUrl, bearer(writing)).post('/v1/devices/t2/via-token', {})).status).toBe(403);
  });

  it('device authentication needs registry.adapter and read access to the tenant: 404 without a grant, 403 with a read-only permit', async () => {
    const attempt = { type: 'hashed-password', 'auth-id': 'sensor', password: 'wrong-password' };
    const outside = await http(t.baseUrl, outsider.auth).post('/v1/authenticate/t1', attempt);
    expect(outside.status).toBe(404);
    const inside = await http(t.baseUrl, reader.auth).post('/v1/authenticate/t1', attempt);
    expect(inside.status).toBe(401);
    const readOnlyToken = await createToken(t, reader, 'auth');
    expect((await http(t.baseUrl, bearer(readOnlyToken)).post('/v1/authenticate/t1', attempt)).status).toBe(403);
    const adapterToken = await createToken(t, reader, 'registry.adapter');
    expect((await http(t.baseUrl, bearer(adapterToken)).post('/v1/authenticate/t1', attempt)).status).toBe(401);
  });

  it('admins reach every tenant', async () => {
    for (const [method, path, body] of TENANT_ROUTES.filter(([m]) => m === 'GET')) {
      expect((await admin.request(method, path, body ? { body } : {})).status).toBe(200);
    }
  });
});
