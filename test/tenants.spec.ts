import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { ETAG, expectError, JSON_UTF8, tenantTables, UUID } from './tenants-helpers';

/** A tenant body using every property of Hono's Tenant schema (trusted CAs have their own suite). */
const FULL_TENANT = {
  enabled: false,
  alias: 'full-tenant',
  ext: { 'owner-id': 42, nested: { anything: [1, 'two', null] } },
  adapters: [
    { type: 'hono-mqtt', enabled: true, 'device-authentication-required': false, ext: { 'free-form': true } },
    { type: 'hono-http' },
  ],
  defaults: { ttl: 60, 'content-type': 'application/vnd.acme+json' },
  'minimum-message-size': 4096,
  'registration-limits': { 'max-devices': 100, 'max-credentials-per-device': -1 },
  'resource-limits': {
    'max-connections': 1000,
    'max-ttl': 3600,
    'max-ttl-telemetry-qos0': 60,
    'max-ttl-telemetry-qos1': 120,
    'max-ttl-command-response': -1,
    'data-volume': { 'effective-since': '2019-12-01T00:00:00Z', 'max-bytes': 10_000_000, period: { mode: 'monthly' } },
    'connection-duration': { 'effective-since': '2019-12-01T00:00:00+01:00', 'max-minutes': 1000, period: { mode: 'days', 'no-of-days': 30 } },
    ext: { plan: 'gold' },
  },
  tracing: { 'sampling-mode': 'all', 'sampling-mode-per-auth-id': { 'sensor-1': 'none', 'sensor-2': 'default' } },
  'trust-anchor-group': 'group-a',
};

describe('tenants (Hono management API)', () => {
  let t: TestApp;
  let api: Http;

  beforeAll(async () => {
    t = await startTestApp({ MAX_BODY_BYTES: '2000' });
    api = http(t.baseUrl, t.admin);
  });
  afterAll(() => t.close());

  let counter = 0;
  const newId = () => `tenant-${++counter}`;

  async function createTenant(body: object = {}): Promise<{ id: string; etag: string }> {
    const id = newId();
    const res = await api.post(`/v1/tenants/${id}`, body);
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { id } });
    return { id, etag: res.headers.get('etag')! };
  }

  async function stored(id: string) {
    const { rows } = await t.db.query('SELECT alias, trust_anchor_group, body, version, created, updated FROM tenants WHERE id = $1', [id]);
    return rows[0];
  }

  describe('POST /v1/tenants (generated id)', () => {
    it('answers 201 with Location, ETag and {"id"} and stores a UUID-named tenant', async () => {
      const res = await api.post('/v1/tenants', { ext: { region: 'eu' } });
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toBe(JSON_UTF8);
      expect(res.body).toEqual({ id: expect.stringMatching(UUID) });
      expect(res.headers.get('location')).toBe(`/v1/tenants/${res.body.id}`);
      expect(res.headers.get('etag')).toMatch(ETAG);
      const row = await stored(res.body.id);
      expect(row.body).toEqual({ ext: { region: 'eu' } });
      expect(`"${row.version}"`).toBe(res.headers.get('etag'));
    });

    it('accepts a trailing slash and no body at all', async () => {
      const res = await api.post('/v1/tenants/');
      expect(res.status).toBe(201);
      expect(res.body.id).toMatch(UUID);
      expect(res.headers.get('location')).toBe(`/v1/tenants/${res.body.id}`);
      expect((await stored(res.body.id)).body).toEqual({});
      const emptyJson = await api.post('/v1/tenants', '', { contentType: 'application/json' });
      expect(emptyJson.status).toBe(201);
      expect((await stored(emptyJson.body.id)).body).toEqual({});
    });

    it('generates a different id every time', async () => {
      const [a, b] = await Promise.all([api.post('/v1/tenants', {}), api.post('/v1/tenants', {})]);
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(a.body.id).not.toBe(b.body.id);
    });
  });

  describe('POST /v1/tenants/{tenantId}', () => {
    it('creates with the given id; the same id again is 409 and changes nothing', async () => {
      const id = newId();
      const first = await api.post(`/v1/tenants/${id}`, { ext: { n: 1 } });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ id });
      expect(first.headers.get('location')).toBe(`/v1/tenants/${id}`);
      expect(first.headers.get('etag')).toMatch(ETAG);
      const before = await tenantTables(t.db);
      const again = await api.post(`/v1/tenants/${id}`, { ext: { n: 2 } });
      expectError(again, 409, /already exists/);
      expect(await tenantTables(t.db)).toEqual(before);
    });

    it('accepts every character of the id pattern and ids of 256 characters', async () => {
      for (const id of ['A-Za_z.0-9', 'DEFAULT_TENANT', 'x'.repeat(256)]) {
        const res = await api.post(`/v1/tenants/${id}`);
        expect(res.status).toBe(201);
        expect(res.body).toEqual({ id });
        expect((await api.get(`/v1/tenants/${id}`)).status).toBe(200);
      }
    });

    it('stores every property of the Tenant schema and GET returns exactly that', async () => {
      const { id, etag } = await createTenant(FULL_TENANT);
      const res = await api.get(`/v1/tenants/${id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(JSON_UTF8);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.body).toEqual(FULL_TENANT);
      const row = await stored(id);
      expect(row.alias).toBe('full-tenant');
      expect(row.trust_anchor_group).toBe('group-a');
    });

    it('does not materialise defaults: {} stays {}, an adapter stays as sent', async () => {
      const empty = await createTenant({});
      expect((await api.get(`/v1/tenants/${empty.id}`)).text).toBe('{}\n');
      const adapter = await createTenant({ adapters: [{ type: 'hono-http' }] });
      expect((await api.get(`/v1/tenants/${adapter.id}`)).body).toEqual({ adapters: [{ type: 'hono-http' }] });
    });

    it('accepts application/json with a charset', async () => {
      const res = await api.post(`/v1/tenants/${newId()}`, '{"enabled":true}', { contentType: 'application/json; charset=utf-8' });
      expect(res.status).toBe(201);
    });
  });

  describe('seed compatibility', () => {
    it('accepts limits as resource-limits and reads it back under that name', async () => {
      const { id } = await createTenant({ limits: { 'max-connections': 5, 'max-ttl': 30 } });
      const res = await api.get(`/v1/tenants/${id}`);
      expect(res.body).toEqual({ 'resource-limits': { 'max-connections': 5, 'max-ttl': 30 } });
      expect((await stored(id)).body).toEqual({ 'resource-limits': { 'max-connections': 5, 'max-ttl': 30 } });
    });

    it('accepts limits on PUT as well', async () => {
      const { id } = await createTenant();
      expect((await api.put(`/v1/tenants/${id}`, { limits: { 'max-ttl': 7 } })).status).toBe(204);
      expect((await api.get(`/v1/tenants/${id}`)).body).toEqual({ 'resource-limits': { 'max-ttl': 7 } });
    });

    it('rejects limits together with resource-limits', async () => {
      const res = await api.post(`/v1/tenants/${newId()}`, { limits: {}, 'resource-limits': {} });
      expectError(res, 400, /limits/);
    });

    it('validates limits like resource-limits', async () => {
      expectError(await api.post(`/v1/tenants/${newId()}`, { limits: { 'max-ttl': '5' } }), 400, /max-ttl/);
      expectError(await api.post(`/v1/tenants/${newId()}`, { limits: { unknown: 1 } }), 400, /unknown property "limits.unknown"/);
    });
  });

  describe('GET /v1/tenants/{tenantId}', () => {
    it('answers 404 with a Hono error for an unknown tenant', async () => {
      expectError(await api.get('/v1/tenants/no-such-tenant'), 404, /not found/);
    });

    it('checks the id before any lookup: bad characters and > 256 characters are 400, not 404', async () => {
      expectError(await api.get('/v1/tenants/bad$id'), 400, /tenant id/);
      expectError(await api.get('/v1/tenants/with%20space'), 400, /tenant id/);
      expectError(await api.get(`/v1/tenants/${'x'.repeat(257)}`), 400, /256/);
      expectError(await api.post('/v1/tenants/bad$id'), 400, /tenant id/);
      expectError(await api.post(`/v1/tenants/${'y'.repeat(257)}`), 400, /256/);
      expectError(await api.put('/v1/tenants/bad$id', {}), 400, /tenant id/);
      expectError(await api.delete('/v1/tenants/bad$id'), 400, /tenant id/);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM tenants WHERE id LIKE 'bad%' OR id LIKE 'yyy%'`);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('PUT /v1/tenants/{tenantId}', () => {
    it('replaces the whole tenant: 204, a new ETag, GET returns the new body', async () => {
      const { id, etag } = await createTenant({ ext: { a: 1 }, 'minimum-message-size': 10 });
      const res = await api.put(`/v1/tenants/${id}`, { enabled: false });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const newEtag = res.headers.get('etag');
      expect(newEtag).toMatch(ETAG);
      expect(newEtag).not.toBe(etag);
      const got = await api.get(`/v1/tenants/${id}`);
      expect(got.body).toEqual({ enabled: false });
      expect(got.headers.get('etag')).toBe(newEtag);
      expect((await stored(id)).updated).not.toBeNull();
    });

    it('is 404 for a missing tenant (no upsert)', async () => {
      const id = newId();
      expectError(await api.put(`/v1/tenants/${id}`, { enabled: true }), 404, /not found/);
      expect(await stored(id)).toBeUndefined();
    });

    it('needs a body: an empty body is 400', async () => {
      const { id } = await createTenant();
      expectError(await api.put(`/v1/tenants/${id}`), 400, /body/);
      expectError(await api.put(`/v1/tenants/${id}`, '', { contentType: 'application/json' }), 400, /body/);
    });

    describe('If-Match', () => {
      it('proceeds when it matches, quoted or not, or is *', async () => {
        const { id, etag } = await createTenant();
        const quoted = await api.put(`/v1/tenants/${id}`, { ext: { step: 1 } }, { headers: { 'if-match': etag } });
        expect(quoted.status).toBe(204);
        const unquoted = await api.put(`/v1/tenants/${id}`, { ext: { step: 2 } }, { headers: { 'if-match': quoted.headers.get('etag')!.slice(1, -1) } });
        expect(unquoted.status).toBe(204);
        const any = await api.put(`/v1/tenants/${id}`, { ext: { step: 3 } }, { headers: { 'if-match': '*' } });
        expect(any.status).toBe(204);
        expect((await api.get(`/v1/tenants/${id}`)).body).toEqual({ ext: { step: 3 } });
      });

      it('is 412 when it does not match, and nothing changes', async () => {
        const { id, etag } = await createTenant({ ext: { v: 1 } });
        const before = await tenantTables(t.db);
        expectError(await api.put(`/v1/tenants/${id}`, { ext: { v: 2 } }, { headers: { 'if-match': '"other"' } }), 412);
        expect(await tenantTables(t.db)).toEqual(before);
        expect((await api.get(`/v1/tenants/${id}`)).headers.get('etag')).toBe(etag);
      });

      it('a stale ETag is 412 after another write', async () => {
        const { id, etag } = await createTenant();
        expect((await api.put(`/v1/tenants/${id}`, {}, { headers: { 'if-match': etag } })).status).toBe(204);
        expectError(await api.put(`/v1/tenants/${id}`, {}, { headers: { 'if-match': etag } }), 412);
      });

      it('is 404, not 412, when the tenant is missing', async () => {
        expectError(await api.put(`/v1/tenants/${newId()}`, {}, { headers: { 'if-match': '"x"' } }), 404);
        expectError(await api.put(`/v1/tenants/${newId()}`, {}, { headers: { 'if-match': '*' } }), 404);
      });

      it('of 20 concurrent PUTs holding the same ETag exactly one wins', async () => {
        const { id, etag } = await createTenant();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => api.put(`/v1/tenants/${id}`, { ext: { writer: i } }, { headers: { 'if-match': etag } })),
        );
        const statuses = results.map((res) => res.status).sort();
        expect(statuses).toEqual([204, ...Array(19).fill(412)]);
        const winner = results.findIndex((res) => res.status === 204);
        const got = await api.get(`/v1/tenants/${id}`);
        expect(got.body).toEqual({ ext: { writer: winner } });
        expect(got.headers.get('etag')).toBe(results[winner].headers.get('etag'));
      });
    });
  });

  describe('DELETE /v1/tenants/{tenantId}', () => {
    it('deletes: 204, then GET is 404 and a second DELETE is 404', async () => {
      const { id } = await createTenant();
      const res = await api.delete(`/v1/tenants/${id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectError(await api.get(`/v1/tenants/${id}`), 404);
      expectError(await api.delete(`/v1/tenants/${id}`), 404);
    });

    it('honours If-Match: mismatch 412 (tenant kept), match quoted/unquoted/* 204', async () => {
      const a = await createTenant();
      expectError(await api.delete(`/v1/tenants/${a.id}`, { headers: { 'if-match': '"stale"' } }), 412);
      expect(await stored(a.id)).toBeDefined();
      expect((await api.delete(`/v1/tenants/${a.id}`, { headers: { 'if-match': a.etag } })).status).toBe(204);
      const b = await createTenant();
      expect((await api.delete(`/v1/tenants/${b.id}`, { headers: { 'if-match': b.etag.slice(1, -1) } })).status).toBe(204);
      const c = await createTenant();
      expect((await api.delete(`/v1/tenants/${c.id}`, { headers: { 'if-match': '*' } })).status).toBe(204);
      expectError(await api.delete(`/v1/tenants/${newId()}`, { headers: { 'if-match': '*' } }), 404);
    });

    it('removes the tenant\'s devices with it and leaves other tenants\' devices alone', async () => {
      const doomed = await createTenant();
      const kept = await createTenant();
      const viaApi = await api.post(`/v1/devices/${doomed.id}/api-device`, {});
      expect(viaApi.status).toBe(201);
      for (const [tenant, device] of [[doomed.id, 'sql-1'], [doomed.id, 'sql-2'], [kept.id, 'sql-1']]) {
        await t.db.query(`INSERT INTO devices (tenant_id, id, body, version, created) VALUES ($1, $2, '{}', 'v1', now())`, [tenant, device]);
      }
      expect((await api.delete(`/v1/tenants/${doomed.id}`)).status).toBe(204);
      const { rows } = await t.db.query('SELECT tenant_id, id FROM devices WHERE tenant_id = ANY($1) ORDER BY tenant_id, id', [[doomed.id, kept.id]]);
      expect(rows).toEqual([{ tenant_id: kept.id, id: 'sql-1' }]);
      expectError(await api.get(`/v1/devices/${doomed.id}/api-device`), 404);
    });

    it('a failed conditional delete keeps the devices', async () => {
      const { id } = await createTenant();
      await t.db.query(`INSERT INTO devices (tenant_id, id, body, version, created) VALUES ($1, 'd', '{}', 'v1', now())`, [id]);
      expectError(await api.delete(`/v1/tenants/${id}`, { headers: { 'if-match': '"nope"' } }), 412);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM devices WHERE tenant_id = $1', [id]);
      expect(rows[0].n).toBe(1);
    });
  });

  describe('alias', () => {
    it('is stored in its column and must be unique among tenants (409)', async () => {
      const a = await createTenant({ alias: 'shared-alias' });
      expect((await stored(a.id)).alias).toBe('shared-alias');
      const before = await tenantTables(t.db);
      const id = newId();
      expectError(await api.post(`/v1/tenants/${id}`, { alias: 'shared-alias' }), 409, /alias/);
      expectError(await api.post('/v1/tenants', { alias: 'shared-alias' }), 409, /alias/);
      expect(await tenantTables(t.db)).toEqual(before);
    });

    it('a PUT may keep its own alias but not take another tenant\'s', async () => {
      const a = await createTenant({ alias: 'alias-a' });
      const b = await createTenant({ alias: 'alias-b' });
      expect((await api.put(`/v1/tenants/${a.id}`, { alias: 'alias-a', enabled: false })).status).toBe(204);
      const before = await tenantTables(t.db);
      expectError(await api.put(`/v1/tenants/${b.id}`, { alias: 'alias-a' }), 409, /alias/);
      expect(await tenantTables(t.db)).toEqual(before);
      // dropping an alias frees it
      expect((await api.put(`/v1/tenants/${a.id}`, {})).status).toBe(204);
      expect((await stored(a.id)).alias).toBeNull();
      expect((await api.put(`/v1/tenants/${b.id}`, { alias: 'alias-a' })).status).toBe(204);
    });

    it('deleting a tenant frees its alias', async () => {
      const a = await createTenant({ alias: 'alias-of-deleted' });
      expect((await api.delete(`/v1/tenants/${a.id}`)).status).toBe(204);
      expect((await api.post(`/v1/tenants/${newId()}`, { alias: 'alias-of-deleted' })).status).toBe(201);
    });

    it('must match [a-z0-9-]+ (at most 63 characters)', async () => {
      for (const alias of ['Upper', 'under_score', 'dot.ted', '', 'space d', 'a'.repeat(64)]) {
        expectError(await api.post(`/v1/tenants/${newId()}`, { alias }), 400, /alias/);
      }
      expect((await api.post(`/v1/tenants/${newId()}`, { alias: `0-${'a'.repeat(61)}` })).status).toBe(201);
    });
  });

  describe('bad input is 400 with a Hono error and changes nothing', () => {
    let existing: { id: string; etag: string };
    let before: unknown;

    beforeAll(async () => {
      existing = await createTenant({ ext: { keep: true } });
    });
    beforeEach(async () => {
      before = await tenantTables(t.db);
    });
    afterEach(async () => {
      expect(await tenantTables(t.db)).toEqual(before);
    });

    const badBodies: Array<[string, unknown, RegExp]> = [
      ['enabled as a string', { enabled: 'true' }, /enabled/],
      ['enabled null', { enabled: null }, /enabled/],
      ['minimum-message-size "5"', { 'minimum-message-size': '5' }, /minimum-message-size/],
      ['minimum-message-size 5.5', { 'minimum-message-size': 5.5 }, /minimum-message-size/],
      ['minimum-message-size -1', { 'minimum-message-size': -1 }, /minimum-message-size/],
      ['minimum-message-size too large', { 'minimum-message-size': 1e20 }, /minimum-message-size/],
      ['ext as an array', { ext: [1] }, /ext/],
      ['ext as a string', { ext: 'x' }, /ext/],
      ['defaults as a string', { defaults: 'x' }, /defaults/],
      ['adapters as a string (not a one-element list)', { adapters: 'hono-mqtt' }, /adapters/],
      ['adapters as an object', { adapters: { type: 'hono-mqtt' } }, /adapters/],
      ['adapters empty', { adapters: [] }, /adapters/],
      ['an adapter without type', { adapters: [{ enabled: true }] }, /type/],
      ['an adapter with an empty type', { adapters: [{ type: '' }] }, /type/],
      ['an adapter that is a string', { adapters: ['hono-mqtt'] }, /adapters/],
      ['duplicate adapter types', { adapters: [{ type: 'hono-mqtt' }, { type: 'hono-mqtt', enabled: true }] }, /hono-mqtt/],
      ['adapter enabled "false"', { adapters: [{ type: 'x', enabled: 'false' }] }, /enabled/],
      ['an unknown property', { enabled: true, colour: 'blue' }, /unknown property "colour"/],
      ['an id in the body', { id: 'x' }, /unknown property "id"/],
      ['an unknown adapter property', { adapters: [{ type: 'x', port: 1883 }] }, /unknown property "adapters\[0\]\.port"/],
      ['an unknown resource-limits property', { 'resource-limits': { 'max-cpu': 1 } }, /unknown property "resource-limits.max-cpu"/],
      ['an unknown period property', { 'resource-limits': { 'data-volume': { 'effective-since': '2020-01-01T00:00:00Z', period: { mode: 'days', days: 3 } } } }, /period.days/],
      ['an unknown tracing property', { tracing: { rate: 1 } }, /tracing.rate/],
      ['an unknown registration-limits property', { 'registration-limits': { 'max-users': 1 } }, /max-users/],
      ['__proto__', JSON.parse('{"__proto__": {"enabled": true}}'), /__proto__/],
      ['constructor', { constructor: {} }, /constructor/],
      ['toString', { toString: 'x' }, /toString/],
      ['constructor inside ext', { ext: { constructor: 'x' } }, /constructor/],
      ['hasOwnProperty inside an adapter', { adapters: [{ type: 'x', hasOwnProperty: 1 }] }, /hasOwnProperty/],
      ['registration-limits.max-devices "5"', { 'registration-limits': { 'max-devices': '5' } }, /max-devices/],
      ['registration-limits.max-devices -2', { 'registration-limits': { 'max-devices': -2 } }, /max-devices/],
      ['registration-limits as a list', { 'registration-limits': [{ 'max-devices': 1 }] }, /registration-limits/],
      ['max-credentials-per-device 1.5', { 'registration-limits': { 'max-credentials-per-device': 1.5 } }, /max-credentials-per-device/],
      ['max-connections -2', { 'resource-limits': { 'max-connections': -2 } }, /max-connections/],
      ['max-ttl "60"', { 'resource-limits': { 'max-ttl': '60' } }, /max-ttl/],
      ['max-ttl-telemetry-qos0 true', { 'resource-limits': { 'max-ttl-telemetry-qos0': true } }, /max-ttl-telemetry-qos0/],
      ['max-ttl-command-response null', { 'resource-limits': { 'max-ttl-command-response': null } }, /max-ttl-command-response/],
      ['data-volume without effective-since', { 'resource-limits': { 'data-volume': { 'max-bytes': 1 } } }, /effective-since/],
      ['effective-since without time', { 'resource-limits': { 'data-volume': { 'effective-since': '2019-12-01' } } }, /effective-since/],
      ['effective-since without offset', { 'resource-limits': { 'data-volume': { 'effective-since': '2019-12-01T00:00:00' } } }, /effective-since/],
      ['effective-since on 30 February', { 'resource-limits': { 'data-volume': { 'effective-since': '2019-02-30T00:00:00Z' } } }, /effective-since/],
      ['effective-since at 24:00', { 'resource-limits': { 'connection-duration': { 'effective-since': '2019-02-01T24:00:00Z' } } }, /effective-since/],
      ['effective-since as a number', { 'resource-limits': { 'connection-duration': { 'effective-since': 1575158400 } } }, /effective-since/],
      ['period without mode', { 'resource-limits': { 'data-volume': { 'effective-since': '2020-01-01T00:00:00Z', period: {} } } }, /mode/],
      ['no-of-days 0', { 'resource-limits': { 'data-volume': { 'effective-since': '2020-01-01T00:00:00Z', period: { mode: 'days', 'no-of-days': 0 } } } }, /no-of-days/],
      ['max-bytes "1"', { 'resource-limits': { 'data-volume': { 'effective-since': '2020-01-01T00:00:00Z', 'max-bytes': '1' } } }, /max-bytes/],
      ['max-minutes -5', { 'resource-limits': { 'connection-duration': { 'effective-since': '2020-01-01T00:00:00Z', 'max-minutes': -5 } } }, /max-minutes/],
      ['sampling-mode unknown', { tracing: { 'sampling-mode': 'sometimes' } }, /sampling-mode/],
      ['sampling-mode-per-auth-id with a bad mode', { tracing: { 'sampling-mode-per-auth-id': { dev: 'often' } } }, /sampling-mode-per-auth-id/],
      ['sampling-mode-per-auth-id as a list', { tracing: { 'sampling-mode-per-auth-id': ['all'] } }, /sampling-mode-per-auth-id/],
      ['trust-anchor-group as a number', { 'trust-anchor-group': 5 }, /trust-anchor-group/],
      ['trusted-ca as a string', { 'trusted-ca': 'CN=x' }, /trusted-ca/],
      ['a NUL character', { ext: { text: 'a\u0000b' } }, /NUL/],
      ['an unpaired surrogate', { ext: { text: 'a\ud800b' } }, /surrogate/],
    ];

    it.each(badBodies)('POST with %s', async (_name, body, message) => {
      expectError(await api.post(`/v1/tenants/${newId()}`, body), 400, message);
    });

    it.each(badBodies)('PUT with %s', async (_name, body, message) => {
      expectError(await api.put(`/v1/tenants/${existing.id}`, body), 400, message);
    });

    it('a body that is not valid JSON', async () => {
      expectError(await api.post(`/v1/tenants/${newId()}`, '{"enabled": tru'), 400, /JSON/);
      expectError(await api.put(`/v1/tenants/${existing.id}`, '{"ext": {}'), 400, /JSON/);
    });

    it('a body that is not a JSON object', async () => {
      expectError(await api.post(`/v1/tenants/${newId()}`, '[]'), 400, /object/);
      expectError(await api.post(`/v1/tenants/${newId()}`, '"tenant"'), 400, /object/);
      expectError(await api.put(`/v1/tenants/${existing.id}`, '42'), 400, /object/);
    });

    it('a non-empty body that is not application/json', async () => {
      expectError(await api.post(`/v1/tenants/${newId()}`, '{"enabled":true}', { contentType: 'text/plain' }), 400, /content type/);
      expectError(await api.put(`/v1/tenants/${existing.id}`, 'enabled=true', { contentType: 'application/x-www-form-urlencoded' }), 400, /content type/);
    });

    it('a body over MAX_BODY_BYTES is 413', async () => {
      const res = await api.post(`/v1/tenants/${newId()}`, { ext: { blob: 'x'.repeat(3000) } });
      expectError(res, 413);
    });

    it('PUT with a bad body on a missing tenant is still 400 (the body is checked first)', async () => {
      expectError(await api.put(`/v1/tenants/${newId()}`, { enabled: 'yes' }), 400);
    });
  });

  describe('free-form objects', () => {
    it('accept any property inside ext, defaults, adapter ext and resource-limits ext', async () => {
      const body = {
        ext: { 'any-thing': { deep: [{ x: 1 }] }, enabled: 'not checked here', alias: 'Not_Checked' },
        defaults: { 'content-type': 'text/plain', ttl: 30, custom: { a: null } },
        adapters: [{ type: 'custom-adapter', ext: { 'port-range': [1, 2] } }],
        'resource-limits': { ext: { vendor: { tier: 3 } } },
      };
      const { id } = await createTenant(body);
      expect((await api.get(`/v1/tenants/${id}`)).body).toEqual(body);
    });
  });

  describe('concurrency', () => {
    it('of 10 concurrent creates of one id exactly one is 201, the others 409', async () => {
      const id = newId();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => api.post(`/v1/tenants/${id}`, { ext: { creator: i } })));
      expect(results.map((res) => res.status).sort()).toEqual([201, ...Array(9).fill(409)]);
      const winner = results.findIndex((res) => res.status === 201);
      expect((await stored(id)).body).toEqual({ ext: { creator: winner } });
    });

    it('of concurrent creates with one alias exactly one wins', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => api.post(`/v1/tenants/${newId()}`, { alias: 'race-alias' })));
      expect(results.map((res) => res.status).sort()).toEqual([201, ...Array(7).fill(409)]);
    });
  });

  describe('CORS', () => {
    it('exposes ETag and Location to browsers', async () => {
      const res = await api.post(`/v1/tenants/${newId()}`);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-expose-headers')).toBe('ETag, Location');
    });

    it('answers preflights for the tenant paths', async () => {
      const collection = await api.request('OPTIONS', '/v1/tenants');
      expect(collection.status).toBe(204);
      expect(collection.headers.get('access-control-allow-methods')).toBe('GET, POST');
      const item = await api.request('OPTIONS', '/v1/tenants/some-tenant');
      expect(item.status).toBe(204);
      expect(item.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE');
    });
  });

  describe('OpenAPI', () => {
    it('documents the tenant operations and the Tenant schema', async () => {
      const res = await api.get('/api/docs-json');
      expect(res.status).toBe(200);
      const doc = res.body;
      expect(Object.keys(doc.paths['/v1/tenants'])).toEqual(expect.arrayContaining(['post', 'get']));
      expect(Object.keys(doc.paths['/v1/tenants/{tenantId}'])).toEqual(expect.arrayContaining(['post', 'get', 'put', 'delete']));
      expect(doc.paths['/v1/tenants/{tenantId}'].put.tags).toEqual(['tenants']);
      expect(Object.keys(doc.components.schemas.TenantDto.properties)).toEqual(
        expect.arrayContaining(['enabled', 'alias', 'adapters', 'resource-limits', 'registration-limits', 'tracing', 'trusted-ca', 'trust-anchor-group']),
      );
    });
  });
});
