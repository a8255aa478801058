/** Hono's CredentialsApiTests and CredentialsJmsIT's malformed requests, over real AMQP. */
import { randomUUID } from 'node:crypto';
import { withTemporaryTenant } from './amqp-test-app';
import { issueCertificate } from './certificates';
import { answer, isRejection } from './hono-amqp-client';

const suite = withTemporaryTenant('credentials');

const randomDeviceId = () => `device-${randomUUID()}`;
const get = (criteria: unknown) => answer(suite.link, { subject: 'get', body: criteria });

/** Hono's getRandomHashedPasswordCredential: two password secrets, the first with a validity period. */
const passwordCredential = (authId: string, extra: object = {}) => ({
  type: 'hashed-password',
  'auth-id': authId,
  secrets: [{ 'pwd-plain': 'ClearTextPWD', 'not-before': '2017-05-01T14:00:00Z', 'not-after': '2037-06-01T14:00:00Z' }, { 'pwd-plain': 'hono-password' }],
  ...extra,
});

async function registerWith(credentials: object[], device: object = {}): Promise<string> {
  const deviceId = randomDeviceId();
  expect((await suite.api.post(`/v1/devices/${suite.tenantId}/${deviceId}`, device)).status).toBe(201);
  expect((await suite.api.put(`/v1/credentials/${suite.tenantId}/${deviceId}`, credentials)).status).toBe(204);
  return deviceId;
}


function expectStandardProperties(body: any, deviceId: string, authId: string, type: string, secrets: number): void {
  expect(body).toMatchObject({ 'device-id': deviceId, 'auth-id': authId, type, enabled: true });
  expect(body.secrets).toHaveLength(secrets);
}

describe('CredentialsApiTests', () => {
  it('testGetCredentialsFailsForNonExistingAuthId: 404', async () => {
    expect((await get({ type: 'hashed-password', 'auth-id': 'nonExisting' })).status).toBe(404);
  });

  it('testGetCredentialsByTypeAndAuthId: the credential with both secrets and their hashes', async () => {
    const authId = randomUUID();
    const deviceId = await registerWith([passwordCredential(authId)]);
    const response = await get({ type: 'hashed-password', 'auth-id': authId });
    expect(response.status).toBe(200);
    expect(response.properties).toMatchObject({ status: 200, tenant_id: suite.tenantId, device_id: deviceId, cache_control: 'max-age = 180' });
    expectStandardProperties(response.body, deviceId, authId, 'hashed-password', 2);
    for (const secret of response.body.secrets) {
      expect(secret).toMatchObject({ id: expect.any(String), 'hash-function': 'bcrypt', 'pwd-hash': expect.stringMatching(/^\$2a\$04\$/) });
      expect(secret['pwd-plain']).toBeUndefined();
    }
    expect(response.body.secrets[0]).toMatchObject({ 'not-before': '2017-05-01T14:00:00Z', 'not-after': '2037-06-01T14:00:00Z' });
  });

  it('testGetCredentialsWithAutoProvisioning: a client certificate of a trusted CA creates device and credential (201)', async () => {
    const cert = issueCertificate('/O=Eclipse/CN=trusted-ca', `/O=Eclipse/CN=${randomUUID()}`);
    const ca = { cert: cert.caCert, 'auto-provisioning-enabled': true };
    expect((await suite.api.put(`/v1/tenants/${suite.tenantId}`, { 'trusted-ca': [ca] })).status).toBe(204);
    const authId = (await clientSubjectDn(cert.clientCert))!;
    const response = await get({ type: 'x509-cert', 'auth-id': authId, 'client-certificate': cert.clientCert });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ type: 'x509-cert', 'auth-id': authId, enabled: true, 'device-id': expect.any(String) });
    expect(response.body.secrets).toHaveLength(1);
    const deviceId = response.body['device-id'];
    // AND the device has been registered as well, marked auto-provisioned
    const device = await suite.api.get(`/v1/devices/${suite.tenantId}/${deviceId}`);
    expect(device.status).toBe(200);
    expect(device.body.status['auto-provisioned']).toBe(true);
    expect(device.body.enabled).not.toBe(false);
    // the next request finds it: 200
    expect((await get({ type: 'x509-cert', 'auth-id': authId, 'client-certificate': cert.clientCert })).status).toBe(200);
  });

  it('testGetCredentialsFailsForDisabledCredentials: 404', async () => {
    const authId = randomUUID();
    await registerWith([passwordCredential(authId, { enabled: false })]);
    expect((await get({ type: 'hashed-password', 'auth-id': authId })).status).toBe(404);
  });

  it('testGetCredentialsByClientContext: a matching client context', async () => {
    const authId = randomUUID();
    const deviceId = await registerWith([passwordCredential(authId, { ext: { 'client-id': 'gateway-one' } })]);
    const response = await get({ type: 'hashed-password', 'auth-id': authId, 'client-id': 'gateway-one' });
    expect(response.status).toBe(200);
    expectStandardProperties(response.body, deviceId, authId, 'hashed-password', 2);
  });

  it('testGetCredentialsFailsForNonMatchingClientContext: 404', async () => {
    const authId = randomUUID();
    await registerWith([passwordCredential(authId, { ext: { 'client-id': randomUUID() } })]);
    expect((await get({ type: 'hashed-password', 'auth-id': authId, 'client-id': 'non-matching' })).status).toBe(404);
  });

  it('testGetCredentialsSucceedsForNonExistingClientContext: context keys the ext does not have are ignored', async () => {
    const authId = randomUUID();
    await registerWith([passwordCredential(authId, { ext: { other: 'property' } })]);
    const response = await get({ type: 'hashed-password', 'auth-id': authId, 'client-id': 'gateway-one' });
    expect(response.status).toBe(200);
    expect(response.body.secrets.length).toBeGreaterThan(0);
  });
});

describe('CredentialsJmsIT: malformed requests', () => {
  it('testGetCredentialsFailsForMalformedSearchCriteria: a body that is not JSON → 400', async () => {
    expect((await get(Buffer.from([0x01, 0x02, 0x03, 0x04]))).status).toBe(400);
  });

  it('testRequestFailsForMissingSubject: rejected with hono:bad-request', async () => {
    const outcome = await suite.link.request({ subject: null, body: { type: 'psk', 'auth-id': 'device' } });
    expect(isRejection(outcome) && outcome.rejected.condition).toBe('hono:bad-request');
  });

  it('testRequestFailsForUnsupportedOperation: 400', async () => {
    expect((await answer(suite.link, { subject: 'unsupported-operation', body: { type: 'psk', 'auth-id': 'device' } })).status).toBe(400);
  });
});

describe('Credentials get, beyond the Hono suite', () => {
  it('answers a PSK key decrypted, x509 secrets, and no-cache for types other than passwords and certificates', async () => {
    const key = Buffer.from('the-shared-key').toString('base64');
    const deviceId = await registerWith([
      { type: 'psk', 'auth-id': 'psk-id', secrets: [{ key }] },
      { type: 'x509-cert', 'auth-id': 'CN=device, O=ACME', secrets: [{}] },
    ]);
    const psk = await get({ type: 'psk', 'auth-id': 'psk-id' });
    expect(psk.status).toBe(200);
    expect(psk.properties.cache_control).toBe('no-cache');
    expect(psk.body).toEqual({ 'device-id': deviceId, type: 'psk', 'auth-id': 'psk-id', enabled: true, secrets: [{ id: expect.any(String), key }] });
    // any spelling of the subject DN
    const x509 = await get({ type: 'x509-cert', 'auth-id': 'cn=device,o=ACME' });
    expect(x509.status).toBe(200);
    expect(x509.properties.cache_control).toBe('max-age = 180');
    expect(x509.body).toEqual({ 'device-id': deviceId, type: 'x509-cert', 'auth-id': 'CN=device,O=ACME', enabled: true, secrets: [{ id: expect.any(String) }] });
  });

  it('leaves out disabled and expired secrets, and is a 404 when none is left', async () => {
    await registerWith([
      {
        type: 'hashed-password',
        'auth-id': 'mixed',
        secrets: [{ 'pwd-plain': 'a', enabled: false }, { 'pwd-plain': 'b', 'not-after': '2020-01-01T00:00:00Z' }, { 'pwd-plain': 'c', comment: 'current' }],
      },
      { type: 'hashed-password', 'auth-id': 'expired', secrets: [{ 'pwd-plain': 'a', 'not-after': '2020-01-01T00:00:00Z' }] },
    ]);
    const response = await get({ type: 'hashed-password', 'auth-id': 'mixed' });
    expect(response.body.secrets).toEqual([expect.objectContaining({ comment: 'current', 'pwd-hash': expect.any(String) })]);
    expect((await get({ type: 'hashed-password', 'auth-id': 'expired' })).status).toBe(404);
  });

  it('404 for the credential of a disabled device', async () => {
    await registerWith([passwordCredential('of-disabled')], { enabled: false });
    expect((await get({ type: 'hashed-password', 'auth-id': 'of-disabled' })).status).toBe(404);
  });

  it.each([
    ['no type', 400, { 'auth-id': 'a' }],
    ['both auth-id and device-id', 400, { type: 'psk', 'auth-id': 'a', 'device-id': 'd' }],
    ['neither auth-id nor device-id', 400, { type: 'psk' }],
    ['only device-id', 501, { type: 'psk', 'device-id': 'd' }],
    ['an auth-id that is no string', 400, { type: 'psk', 'auth-id': 7 }],
  ])('%s → %i', async (_name, status, criteria) => {
    const response = await get(criteria);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ description: expect.any(String) });
  });

  it('does not provision from a certificate whose issuer is no trusted CA with auto-provisioning, nor from garbage', async () => {
    const trusted = issueCertificate('/CN=no-auto-ca', '/CN=device-a');
    const stranger = issueCertificate('/CN=stranger-ca', '/CN=device-b');
    expect((await suite.api.put(`/v1/tenants/${suite.tenantId}`, { 'trusted-ca': [{ cert: trusted.caCert }] })).status).toBe(204);
    expect((await get({ type: 'x509-cert', 'auth-id': 'CN=device-a', 'client-certificate': trusted.clientCert })).status).toBe(404);
    expect((await get({ type: 'x509-cert', 'auth-id': 'CN=device-b', 'client-certificate': stranger.clientCert })).status).toBe(404);
    expect((await get({ type: 'x509-cert', 'auth-id': 'CN=device-c', 'client-certificate': 'bm90IGEgY2VydA==' })).status).toBe(400);
    const { rows } = await suite.app.db.query('SELECT count(*)::int AS n FROM devices WHERE tenant_id = $1', [suite.tenantId]);
    expect(rows[0].n).toBe(0);
  });

  it('names the provisioned device by the CA template and makes it a gateway when the CA says so', async () => {
    const cert = issueCertificate('/CN=gateway-ca', '/O=ACME/CN=gw-7');
    const ca = { cert: cert.caCert, 'auto-provisioning-enabled': true, 'auto-provision-as-gateway': true, 'auto-provisioning-device-id-template': 'gw-{{subject-cn}}' };
    expect((await suite.api.put(`/v1/tenants/${suite.tenantId}`, { 'trusted-ca': [ca] })).status).toBe(204);
    const response = await get({ type: 'x509-cert', 'auth-id': 'CN=gw-7,O=ACME', 'client-certificate': cert.clientCert });
    expect(response.status).toBe(201);
    expect(response.body['device-id']).toBe('gw-gw-7');
    const device = await suite.api.get(`/v1/devices/${suite.tenantId}/gw-gw-7`);
    expect(device.body).toMatchObject({ authorities: ['auto-provisioning-enabled'], status: { 'auto-provisioned': true } });
    const credentials = await suite.api.get(`/v1/credentials/${suite.tenantId}/gw-gw-7`);
    expect(credentials.body).toEqual([{ type: 'x509-cert', 'auth-id': 'CN=gw-7,O=ACME', secrets: [{ id: expect.any(String) }] }]);
  });
});

/** The RFC 2253 subject DN of a Base64 DER certificate, as Hono's adapters compute the auth-id. */
async function clientSubjectDn(cert: string): Promise<string | undefined> {
  const { summarizeCertificate } = await import('@app/common');
  return summarizeCertificate(Buffer.from(cert, 'base64')).subjectDn;
}
