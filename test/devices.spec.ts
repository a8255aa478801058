import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

const ETAG = /^"[^"]+"$/;
const SECOND_PRECISION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const JSON_UTF8 = 'application/json; charset=utf-8';

describe('devices (Hono management API)', () => {
  let t: TestApp;
  let api: Http;

  beforeAll(async () => {
    t = await startTestApp({ MAX_BODY_BYTES: '2000' });
    api = http(t.baseUrl, t.admin);
  });
  afterAll(() => t.close());

  let tenantCounter = 0;
  async function newTenant(body: object = {}): Promise<string> {
    const id = `tenant-${++tenantCounter}`;
    const res = await api.post(`/v1/tenants/${id}`, body);
    expect(res.status).toBe(201);
    return id;
  }

  async function storedDevice(tenantId: string, deviceId: string) {
    const { rows } = await t.db.query('SELECT body, version, created, updated FROM devices WHERE tenant_id = $1 AND id = $2', [tenantId, deviceId]);
    return rows[0];
  }

  async function deviceCount(tenantId: string): Promise<number> {
    const { rows } = await t.db.query('SELECT device_count::int AS n, (SELECT count(*)::int FROM devices WHERE tenant_id = $1) AS real FROM tenants WHERE id = $1', [tenantId]);
    expect(rows[0].n).toBe(rows[0].real);
    return rows[0].n;
  }

  describe('create', () => {
    it('creates with a generated id: 201, Location, ETag, {"id"}', async () => {
      const tenant = await newTenant();
      const res = await api.post(`/v1/devices/${tenant}`, { ext: { brand: 'acme' } });
      expect(res.status).toBe(201);
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('location')).toBe(`/v1/devices/${tenant}/${res.body.id}`);
      expect(res.headers.get('etag')).toMatch(ETAG);
      expect(res.headers.get('content-type')).toBe(JSON_UTF8);
      expect((await storedDevice(tenant, res.body.id)).body).toEqual({ ext: { brand: 'acme' } });
    });

    it('accepts POST /v1/devices/{tenant}/ with a trailing slash and no body', async () => {
      const tenant = await newTenant();
      const res = await api.post(`/v1/devices/${tenant}/`);
      expect(res.status).toBe(201);
      expect(res.body.id).toBeDefined();
    });

    it('creates with a given id, and 409 for the same id again', async () => {
      const tenant = await newTenant();
      const first = await api.post(`/v1/devices/${tenant}/dev:1=a.b_c-d`, { enabled: false });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ id: 'dev:1=a.b_c-d' });
      const again = await api.post(`/v1/devices/${tenant}/dev:1=a.b_c-d`, {});
      expect(again.status).toBe(409);
      expect(again.headers.get('content-type')).toBe(JSON_UTF8);
      expect(again.body.error).toEqual(expect.any(String));
      expect((await storedDevice(tenant, 'dev:1=a.b_c-d')).body).toEqual({ enabled: false });
      expect(await deviceCount(tenant)).toBe(1);
    });

    it('404 when the tenant does not exist', async () => {
      const res = await api.post('/v1/devices/no-such-tenant/d1', {});
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('stores every field of a device as sent', async () => {
      const tenant = await newTenant();
      const device = {
        enabled: true,
        defaults: { 'content-type': 'text/plain', ttl: 30 },
        via: ['gw-1', 'gw-2'],
        viaGroups: ['group-a'],
        authorities: ['auto-provisioning-enabled'],
        ext: { brand: 'acme', nested: { deep: [1, 2] } },
        'command-endpoint': { uri: 'https://example.com/{{deviceId}}', headers: { 'x-key': 'v' }, 'payload-properties': { a: 1 } },
        'downstream-message-mapper': 'down',
        'upstream-message-mapper': 'up',
      };
      expect((await api.post(`/v1/devices/${tenant}/full`, device)).status).toBe(201);
      const res = await api.get(`/v1/devices/${tenant}/full`);
      expect(res.status).toBe(200);
      const { status, ...rest } = res.body;
      expect(rest).toEqual(device);
      expect(status.created).toMatch(SECOND_PRECISION);
      expect(status.updated).toBeUndefined();
    });

    it('accepts a gateway with memberOf', async () => {
      const tenant = await newTenant();
      expect((await api.post(`/v1/devices/${tenant}/gw`, { memberOf: ['group-a'] })).status).toBe(201);
    });
  });

  describe('bad input is a 400 with Hono\'s error body and changes nothing', () => {
    let tenant: string;
    beforeAll(async () => {
      tenant = await newTenant();
    });

    const cases: Array<[string, unknown, string?]> = [
      ['unknown property', { color: 'red' }],
      ['unknown property in command-endpoint', { 'command-endpoint': { uri: 'x', method: 'POST' } }],
      ['enabled as a string', { enabled: 'true' }],
      ['via as a string', { via: 'gw-1' }],
      ['via with a bad device id', { via: ['gw/1'] }],
      ['via with a number', { via: [1] }],
      ['ext as an array', { ext: [1] }],
      ['defaults as a string', { defaults: 'x' }],
      ['command-endpoint without uri', { 'command-endpoint': { headers: {} } }],
      ['command-endpoint headers not strings', { 'command-endpoint': { uri: 'u', headers: { a: 1 } } }],
      ['memberOf with via', { memberOf: ['g'], via: ['gw'] }],
      ['memberOf with viaGroups', { memberOf: ['g'], viaGroups: ['h'] }],
      ['an array body', [{ enabled: true }]],
      ['a string body', '"text"'],
      ['invalid JSON', '{"enabled": tru'],
    ];

    it.each(cases)('%s', async (_name, body) => {
      const res = await api.post(`/v1/devices/${tenant}/bad`, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe(JSON_UTF8);
      expect(res.body).toEqual({ error: expect.any(String) });
      expect(await storedDevice(tenant, 'bad')).toBeUndefined();
    });

    it('a non-JSON content type with a body', async () => {
      const res = await api.post(`/v1/devices/${tenant}/bad`, 'enabled=true', { contentType: 'application/x-www-form-urlencoded' });
      expect(res.status).toBe(400);
      const text = await api.post(`/v1/devices/${tenant}/bad`, '{}', { contentType: 'text/plain' });
      expect(text.status).toBe(400);
      expect(text.body.error).toMatch(/content type/);
      expect(await storedDevice(tenant, 'bad')).toBeUndefined();
    });

    it('JSON with a charset parameter is fine', async () => {
      const res = await api.post(`/v1/devices/${tenant}/charset`, '{}', { contentType: 'application/json; charset=utf-8' });
      expect(res.status).toBe(201);
    });

    it.each([
      ['device id with a space', `/v1/devices/TENANT/a%20b`],
      ['device id with a slash-like character', `/v1/devices/TENANT/a%2Fb`],
      ['device id with a hash', `/v1/devices/TENANT/a%23b`],
      ['device id of 257 characters', `/v1/devices/TENANT/${'d'.repeat(257)}`],
      ['tenant id with a colon (allowed for devices only)', `/v1/devices/a:b/d1`],
      ['tenant id of 257 characters', `/v1/devices/${'t'.repeat(257)}/d1`],
    ])('%s is checked before any lookup', async (_name, path) => {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
        const res = await api.request(method, path.replace('TENANT', tenant), method === 'PUT' || method === 'POST' ? { body: {} } : {});
        expect([method, res.status]).toEqual([method, 400]);
        expect(res.body).toEqual({ error: expect.any(String) });
      }
    });

    it('an id of 256 characters is fine', async () => {
      const res = await api.post(`/v1/devices/${tenant}/${'d'.repeat(256)}`, {});
      expect(res.status).toBe(201);
    });

    it('413 for a body over MAX_BODY_BYTES, in Hono\'s format', async () => {
      const res = await api.post(`/v1/devices/${tenant}/big`, { ext: { blob: 'x'.repeat(3000) } });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ error: expect.any(String) });
      expect(await storedDevice(tenant, 'big')).toBeUndefined();
    });

    it('PUT needs a body', async () => {
      expect((await api.post(`/v1/devices/${tenant}/keep`, { ext: { a: 1 } })).status).toBe(201);
      const before = await storedDevice(tenant, 'keep');
      const empty = await api.request('PUT', `/v1/devices/${tenant}/keep`);
      expect(empty.status).toBe(400);
      const emptyJson = await api.request('PUT', `/v1/devices/${tenant}/keep`, { body: '', contentType: 'application/json' });
      expect(emptyJson.status).toBe(400);
      const bad = await api.put(`/v1/devices/${tenant}/keep`, { enabled: 'no' });
      expect(bad.status).toBe(400);
      expect(await storedDevice(tenant, 'keep')).toEqual(before);
    });
  });

  describe('read, update, delete', () => {
    it('GET returns the stored device with status and ETag', async () => {
      const tenant = await newTenant();
      const created = await api.post(`/v1/devices/${tenant}/d1`, { ext: { a: 1 } });
      const res = await api.get(`/v1/devices/${tenant}/d1`);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(created.headers.get('etag'));
      expect(res.headers.get('content-type')).toBe(JSON_UTF8);
      expect(res.body).toEqual({ ext: { a: 1 }, status: { created: expect.stringMatching(SECOND_PRECISION) } });
    });

    it('GET of a missing device or tenant is a 404', async () => {
      const tenant = await newTenant();
      expect((await api.get(`/v1/devices/${tenant}/nope`)).status).toBe(404);
      expect((await api.get(`/v1/devices/nope/nope`)).status).toBe(404);
    });

    it('PUT replaces the device, ignores status, keeps created and sets updated', async () => {
      const tenant = await newTenant();
      const created = await api.post(`/v1/devices/${tenant}/d1`, { ext: { a: 1 }, via: ['gw'] });
      const before = await api.get(`/v1/devices/${tenant}/d1`);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const res = await api.put(`/v1/devices/${tenant}/d1`, {
        enabled: false,
        status: { created: '2000-01-01T00:00:00Z', updated: '2000-01-01T00:00:00Z' },
      });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers.get('etag')).toMatch(ETAG);
      expect(res.headers.get('etag')).not.toBe(created.headers.get('etag'));
      const after = await api.get(`/v1/devices/${tenant}/d1`);
      expect(after.headers.get('etag')).toBe(res.headers.get('etag'));
      expect(after.body.enabled).toBe(false);
      expect(after.body.ext).toBeUndefined();
      expect(after.body.via).toBeUndefined();
      expect(after.body.status.created).toBe(before.body.status.created);
      expect(after.body.status.updated).toMatch(SECOND_PRECISION);
      expect(after.body.status.updated > after.body.status.created).toBe(true);
      expect((await storedDevice(tenant, 'd1')).body).toEqual({ enabled: false });
    });

    it('PUT on a missing device is a 404 (no upsert)', async () => {
      const tenant = await newTenant();
      expect((await api.put(`/v1/devices/${tenant}/ghost`, {})).status).toBe(404);
      expect(await storedDevice(tenant, 'ghost')).toBeUndefined();
      expect((await api.put(`/v1/devices/no-tenant/ghost`, {})).status).toBe(404);
    });

    it('If-Match: quoted, unquoted and * proceed; another version is a 412; a missing device a 404', async () => {
      const tenant = await newTenant();
      const created = await api.post(`/v1/devices/${tenant}/d1`, {});
      const quoted = created.headers.get('etag')!;
      const v2 = await api.put(`/v1/devices/${tenant}/d1`, { ext: { n: 2 } }, { headers: { 'if-match': quoted } });
      expect(v2.status).toBe(204);
      const unquoted = v2.headers.get('etag')!.replace(/"/g, '');
      const v3 = await api.put(`/v1/devices/${tenant}/d1`, { ext: { n: 3 } }, { headers: { 'if-match': unquoted } });
      expect(v3.status).toBe(204);
      const stale = await api.put(`/v1/devices/${tenant}/d1`, { ext: { n: 4 } }, { headers: { 'if-match': quoted } });
      expect(stale.status).toBe(412);
      expect(stale.body).toEqual({ error: expect.any(String) });
      expect((await storedDevice(tenant, 'd1')).body).toEqual({ ext: { n: 3 } });
      const any = await api.put(`/v1/devices/${tenant}/d1`, { ext: { n: 5 } }, { headers: { 'if-match': '*' } });
      expect(any.status).toBe(204);
      expect((await api.put(`/v1/devices/${tenant}/none`, {}, { headers: { 'if-match': '*' } })).status).toBe(404);
      expect((await api.put(`/v1/devices/${tenant}/none`, {}, { headers: { 'if-match': quoted } })).status).toBe(404);
      const staleDelete = await api.delete(`/v1/devices/${tenant}/d1`, { headers: { 'if-match': quoted } });
      expect(staleDelete.status).toBe(412);
      expect(await storedDevice(tenant, 'd1')).toBeDefined();
      const del = await api.delete(`/v1/devices/${tenant}/d1`, { headers: { 'if-match': any.headers.get('etag')! } });
      expect(del.status).toBe(204);
    });

    it('DELETE: 204, then 404 while the tenant exists, 204 once the tenant is gone', async () => {
      const tenant = await newTenant();
      await api.post(`/v1/devices/${tenant}/d1`, {});
      expect(await deviceCount(tenant)).toBe(1);
      const res = await api.delete(`/v1/devices/${tenant}/d1`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await storedDevice(tenant, 'd1')).toBeUndefined();
      expect(await deviceCount(tenant)).toBe(0);
      expect((await api.delete(`/v1/devices/${tenant}/d1`)).status).toBe(404);
      expect((await api.delete(`/v1/devices/never-was-a-tenant/d1`)).status).toBe(204);
    });

    it('DELETE /v1/devices/{tenant} removes all its devices, and is 204 for a missing tenant', async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      for (const id of ['a', 'b', 'c']) await api.post(`/v1/devices/${tenant}/${id}`, {});
      await api.post(`/v1/devices/${other}/a`, {});
      const res = await api.delete(`/v1/devices/${tenant}`);
      expect(res.status).toBe(204);
      expect(await deviceCount(tenant)).toBe(0);
      expect(await deviceCount(other)).toBe(1);
      expect((await api.delete('/v1/devices/no-such-tenant')).status).toBe(204);
    });

    it('deleting the tenant removes its devices', async () => {
      const tenant = await newTenant();
      await api.post(`/v1/devices/${tenant}/a`, {});
      expect((await api.delete(`/v1/tenants/${tenant}`)).status).toBe(204);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM devices WHERE tenant_id = $1', [tenant]);
      expect(rows[0].n).toBe(0);
      expect((await api.get(`/v1/devices/${tenant}/a`)).status).toBe(404);
    });
  });

  describe('limits', () => {
    it('the tenant registration limit answers 403 when reached', async () => {
      const tenant = await newTenant({ 'registration-limits': { 'max-devices': 2 } });
      expect((await api.post(`/v1/devices/${tenant}/a`, {})).status).toBe(201);
      expect((await api.post(`/v1/devices/${tenant}/b`, {})).status).toBe(201);
      const third = await api.post(`/v1/devices/${tenant}/c`, {});
      expect(third.status).toBe(403);
      expect(third.body).toEqual({ error: expect.any(String) });
      expect(await storedDevice(tenant, 'c')).toBeUndefined();
      await api.delete(`/v1/devices/${tenant}/a`);
      expect((await api.post(`/v1/devices/${tenant}/c`, {})).status).toBe(201);
    });

    it('concurrent creates cannot exceed the limit', async () => {
      const tenant = await newTenant({ 'registration-limits': { 'max-devices': 3 } });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => api.post(`/v1/devices/${tenant}/c${i}`, {})));
      expect(results.filter((r) => r.status === 201)).toHaveLength(3);
      expect(results.filter((r) => r.status === 403)).toHaveLength(9);
      expect(await deviceCount(tenant)).toBe(3);
    });
  });

  describe('concurrency', () => {
    it('of 20 concurrent PUTs with one If-Match exactly one wins', async () => {
      const tenant = await newTenant();
      const created = await api.post(`/v1/devices/${tenant}/hot`, {});
      const etag = created.headers.get('etag')!;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.put(`/v1/devices/${tenant}/hot`, { ext: { writer: i } }, { headers: { 'if-match': etag } })),
      );
      const winners = results.filter((r) => r.status === 204);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 412)).toHaveLength(19);
      const stored = await storedDevice(tenant, 'hot');
      expect(`"${stored.version}"`).toBe(winners[0].headers.get('etag'));
    });

    it('of 10 concurrent creates of one id exactly one gets 201', async () => {
      const tenant = await newTenant();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => api.post(`/v1/devices/${tenant}/same`, { ext: { writer: i } })));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(9);
      expect(await deviceCount(tenant)).toBe(1);
    });
  });

  describe('HTTP conventions', () => {
    it('CORS preflight needs no credentials and lists the methods of the path', async () => {
      const tenant = await newTenant();
      const item = await api.request('OPTIONS', `/v1/devices/${tenant}/d1`, { headers: { origin: 'https://ui.example', 'access-control-request-method': 'PUT' } });
      expect(item.status).toBe(204);
      expect(item.headers.get('access-control-allow-origin')).toBe('*');
      expect(item.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE');
      expect(item.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, If-Match');
      const collection = await api.request('OPTIONS', `/v1/devices/${tenant}`);
      expect(collection.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE');
    });

    it('every /v1 answer allows any origin and exposes ETag and Location', async () => {
      const tenant = await newTenant();
      const created = await api.post(`/v1/devices/${tenant}`, {});
      const missing = await api.get(`/v1/devices/${tenant}/missing`);
      for (const res of [created, missing]) {
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-expose-headers')).toBe('ETag, Location');
      }
    });

    it('a malformed URL is a 400 in Hono\'s format', async () => {
      const res = await api.get('/v1/devices/%ZZ/d1');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('an unknown /v1 route or method is a 404 in Hono\'s format', async () => {
      const unknown = await api.get('/v1/gadgets/x');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: expect.any(String) });
      const method = await api.request('PATCH', '/v1/devices/t/d', { body: {} });
      expect(method.status).toBe(404);
      expect(method.body).toEqual({ error: expect.any(String) });
    });
  });
});
