/**
 * Hono's TenantApiTests and the malformed-message cases of TenantJmsIT, over real AMQP against the
 * running service: a client with access to every tenant (an admin) and one restricted to DEFAULT_TENANT.
 */
import { randomUUID } from 'node:crypto';
import { http, Http } from '../setup/http';
import { ADMIN } from '../setup/test-app';
import { makePublicKey } from '../tenants-helpers';
import { AmqpTestApp, startAmqpTestApp } from './amqp-test-app';
import { answer, isRejection, RequestLink } from './hono-amqp-client';

let app: AmqpTestApp;
let api: Http;
let admin: RequestLink;
let restricted: RequestLink;

const RESTRICTED = { username: 'default-adapter', password: 'default-adapter-password' };
const randomTenantId = () => `tenant-${randomUUID()}`;

beforeAll(async () => {
  app = await startAmqpTestApp();
  api = http(app.baseUrl, app.admin);
  expect((await api.post('/v1/tenants/DEFAULT_TENANT', {})).status).toBe(201);
  expect((await api.post('/api/users', { ...RESTRICTED, tenants: [{ tenant: 'DEFAULT_TENANT', access: 'read' }] })).status).toBe(201);
  admin = await (await app.connect(ADMIN.username, ADMIN.password)).requestLink('tenant');
  restricted = await (await app.connect(RESTRICTED.username, RESTRICTED.password)).requestLink('tenant');
});
afterAll(() => app.close());

const get = (link: RequestLink, criteria: unknown) => answer(link, { subject: 'get', body: criteria });

describe('TenantApiTests', () => {
  it('testGetTenant: an existing tenant, with defaults, adapters, resource limits and extensions', async () => {
    const tenantId = randomTenantId();
    const resourceLimits = {
      'max-connections': 100000,
      'max-ttl': 30,
      'data-volume': { 'effective-since': '2019-07-27T14:30:00Z', 'max-bytes': 2147483648, period: { mode: 'days', 'no-of-days': 30 } },
    };
    const httpExtensions = { deployment: { maxInstances: 4 } };
    const created = await api.post(`/v1/tenants/${tenantId}`, {
      enabled: true,
      'resource-limits': resourceLimits,
      defaults: { ttl: 30 },
      ext: { customer: 'ACME Inc.' },
      adapters: [
        { type: 'hono-mqtt', enabled: true, 'device-authentication-required': false },
        { type: 'hono-http', enabled: true, 'device-authentication-required': true, ext: httpExtensions },
      ],
    });
    expect(created.status).toBe(201);
    const response = await get(admin, { 'tenant-id': tenantId });
    expect(response.status).toBe(200);
    expect(response.properties).toMatchObject({ status: 200, tenant_id: tenantId, cache_control: 'max-age = 180' });
    expect(response.message.content_type).toBe('application/json');
    expect(response.body).toEqual({
      'tenant-id': tenantId,
      enabled: true,
      defaults: { ttl: 30 },
      'resource-limits': resourceLimits,
      ext: { customer: 'ACME Inc.' },
      adapters: [
        { type: 'hono-mqtt', enabled: true, 'device-authentication-required': false },
        { type: 'hono-http', enabled: true, 'device-authentication-required': true, ext: httpExtensions },
      ],
    });
  });

  it('testGetTenantFailsIfNotAuthorized: 403 for a tenant the client has no grant for', async () => {
    const tenantId = randomTenantId();
    expect((await api.post(`/v1/tenants/${tenantId}`, { enabled: true })).status).toBe(201);
    const response = await get(restricted, { 'tenant-id': tenantId });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ description: expect.any(String) });
    // and the restricted client does read its own tenant
    expect((await get(restricted, { 'tenant-id': 'DEFAULT_TENANT' })).status).toBe(200);
  });

  it('testGetTenantFailsForNonExistingTenant: 404', async () => {
    const response = await get(admin, { 'tenant-id': 'non-existing-tenant' });
    expect(response.status).toBe(404);
    expect(response.properties.cache_control).toBeUndefined();
  });

  it('testGetTenantByCa: found by the subject DN of a trusted CA, with its public key', async () => {
    const tenantId = randomTenantId();
    const publicKey = makePublicKey('rsa');
    const ca = { 'subject-dn': 'CN=ca, OU=Hono, O=Eclipse', 'public-key': publicKey, 'not-before': '2020-01-01T00:00:00Z', 'not-after': '2099-01-01T00:00:00Z' };
    expect((await api.post(`/v1/tenants/${tenantId}`, { 'trusted-ca': [ca] })).status).toBe(201);
    const response = await get(admin, { 'subject-dn': 'CN=ca,OU=Hono,O=Eclipse' });
    expect(response.status).toBe(200);
    expect(response.properties.tenant_id).toBe(tenantId);
    expect(response.body['tenant-id']).toBe(tenantId);
    expect(response.body['trusted-ca']).toEqual([
      { 'subject-dn': 'CN=ca,OU=Hono,O=Eclipse', 'public-key': publicKey, algorithm: 'RSA', 'auto-provisioning-enabled': false, id: expect.any(String) },
    ]);
  });

  it('testGetTenantByCaFailsIfNotAuthorized: 403 for the CA of a tenant the client has no grant for', async () => {
    const tenantId = randomTenantId();
    const ca = { 'subject-dn': 'CN=ca-http,OU=Hono,O=Eclipse', 'public-key': makePublicKey('rsa'), 'not-before': '2020-01-01T00:00:00Z', 'not-after': '2099-01-01T00:00:00Z' };
    expect((await api.post(`/v1/tenants/${tenantId}`, { 'trusted-ca': [ca] })).status).toBe(201);
    expect((await get(restricted, { 'subject-dn': 'CN=ca-http,OU=Hono,O=Eclipse' })).status).toBe(403);
  });
});

describe('TenantJmsIT: malformed requests', () => {
  it('testGetTenantFailsForUnsupportedSearchCriteria: {"color": "blue"} → 400', async () => {
    expect((await get(admin, { color: 'blue' })).status).toBe(400);
  });

  it('testGetTenantFailsForMalformedSearchCriteria: a body that is not JSON → 400', async () => {
    expect((await get(admin, Buffer.from([0x01, 0x02, 0x03, 0x04]))).status).toBe(400);
  });

  it('testGetTenantFailsForMissingSubject: rejected with hono:bad-request', async () => {
    const outcome = await admin.request({ subject: null, body: { 'tenant-id': 'tenant' } });
    expect(isRejection(outcome) && outcome.rejected.condition).toBe('hono:bad-request');
  });

  it('testGetTenantFailsForUnknownOperation: 400', async () => {
    expect((await answer(admin, { subject: 'unsupported-operation', body: { 'tenant-id': 'tenant' } })).status).toBe(400);
  });
});

describe('Tenant get, beyond the Hono suite', () => {
  it('finds a tenant by its alias and answers with its canonical id', async () => {
    const tenantId = randomTenantId();
    expect((await api.post(`/v1/tenants/${tenantId}`, { alias: 'acme-alias' })).status).toBe(201);
    const response = await get(admin, { 'tenant-id': 'acme-alias' });
    expect(response.status).toBe(200);
    expect(response.body['tenant-id']).toBe(tenantId);
    expect(response.properties.tenant_id).toBe(tenantId);
  });

  it('answers a disabled tenant with enabled false, and fills in the adapter defaults', async () => {
    const tenantId = randomTenantId();
    expect((await api.post(`/v1/tenants/${tenantId}`, { enabled: false, adapters: [{ type: 'hono-coap' }] })).status).toBe(201);
    const response = await get(admin, { 'tenant-id': tenantId });
    expect(response.body).toEqual({ 'tenant-id': tenantId, enabled: false, adapters: [{ type: 'hono-coap', enabled: false, 'device-authentication-required': true }] });
  });

  it('leaves out trusted CAs that are not valid now, and their validity', async () => {
    const tenantId = randomTenantId();
    const key = makePublicKey('ec');
    const cas = [
      { 'subject-dn': 'CN=old-ca', 'public-key': key, algorithm: 'EC', 'not-before': '2000-01-01T00:00:00Z', 'not-after': '2001-01-01T00:00:00Z' },
      { 'subject-dn': 'CN=current-ca', 'public-key': key, algorithm: 'EC', 'not-before': '2020-01-01T00:00:00Z', 'not-after': '2099-01-01T00:00:00Z', 'auto-provisioning-enabled': true, 'auth-id-template': 'device-{{subject-cn}}' },
    ];
    expect((await api.post(`/v1/tenants/${tenantId}`, { 'trusted-ca': cas })).status).toBe(201);
    const response = await get(admin, { 'tenant-id': tenantId });
    expect(response.body['trusted-ca']).toEqual([
      { 'subject-dn': 'CN=current-ca', 'public-key': key, algorithm: 'EC', 'auto-provisioning-enabled': true, 'auth-id-template': 'device-{{subject-cn}}', id: expect.any(String) },
    ]);
    expect((await get(admin, { 'subject-dn': 'CN=current-ca' })).body['tenant-id']).toBe(tenantId);
  });

  it.each([
    ['no body', undefined],
    ['both criteria', { 'tenant-id': 'a', 'subject-dn': 'CN=a' }],
    ['a tenant-id that is no string', { 'tenant-id': 42 }],
    ['an unparsable subject DN', { 'subject-dn': 'not a DN' }],
    ['a JSON array', ['tenant-id']],
  ])('400 for %s', async (_name, body) => {
    const response = await answer(admin, { subject: 'get', body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ description: expect.any(String) });
  });

  it('404 for an unknown subject DN, and for a DN two tenants of one trust anchor group share', async () => {
    expect((await get(admin, { 'subject-dn': 'CN=nobody' })).status).toBe(404);
    const ca = { 'subject-dn': 'CN=shared-ca', 'public-key': makePublicKey('rsa'), 'not-before': '2020-01-01T00:00:00Z', 'not-after': '2099-01-01T00:00:00Z' };
    for (const id of [randomTenantId(), randomTenantId()]) {
      expect((await api.post(`/v1/tenants/${id}`, { 'trust-anchor-group': 'group-1', 'trusted-ca': [ca] })).status).toBe(201);
    }
    expect((await get(admin, { 'subject-dn': 'CN=shared-ca' })).status).toBe(404);
  });

  it.each([
    ['neither message-id nor correlation-id', { messageId: null }],
    ['no reply-to', { replyTo: null }],
  ])('rejects a request with %s as hono:bad-request', async (_name, options) => {
    const outcome = await admin.request({ subject: 'get', body: { 'tenant-id': 'DEFAULT_TENANT' }, ...options });
    expect(isRejection(outcome) && outcome.rejected.condition).toBe('hono:bad-request');
  });
});
