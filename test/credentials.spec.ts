import { createUser } from './auth/helpers';
import {
  addDevice,
  bcryptHash,
  ecPublicKey,
  newDevice,
  openPskKey,
  psk,
  pwdPlain,
  rsaPublicKey,
  selfSignedCertificate,
  shaHash,
} from './credentials-helpers';
import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

const ETAG = /^"[^"]+"$/;
const JSON_UTF8 = 'application/json; charset=utf-8';
/** The prefix Hono's IT uses for auth-ids (it matches the hashed-password pattern). */
const PREFIX_AUTH_ID = 'my_sensor.20=ext';
const CONFIDENTIAL = ['pwd-plain', 'pwd-hash', 'salt', 'hash-function'];

/**
 * Hono's CredentialsManagementIT and the credentials parts of CredentialsServiceTestBase, over HTTP,
 * plus what docs/credentials.md adds (patch by id for PSK and RPK, encryption at rest, concurrency).
 * Runs with Hono's own test settings: BCRYPT_MAX_COST=4, MAX_BODY_BYTES=2000.
 */
describe('credentials (Hono management API)', () => {
  let t: TestApp;
  let api: Http;
  /** Every response body any test saw, for the scan that no secret ever comes back. */
  const seen: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ BCRYPT_MAX_COST: '4', MAX_BODY_BYTES: '2000' });
    const raw = http(t.baseUrl, t.admin);
    const record = <T extends (...args: any[]) => Promise<{ text: string; headers: Headers }>>(call: T) =>
      (async (...args: any[]) => {
        const res = await call(...args);
        seen.push(res.text, [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n'));
        return res;
      }) as T;
    api = { request: record(raw.request), get: record(raw.get), post: record(raw.post), put: record(raw.put), delete: record(raw.delete) };
  });
  afterAll(() => t.close());

  const authId = () => `${PREFIX_AUTH_ID}-${Math.random().toString(36).slice(2)}`;

  async function getSet(tenant: string, device: string) {
    const res = await api.get(`/v1/credentials/${tenant}/${device}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(res.headers.get('etag')).toMatch(ETAG);
    return { set: res.body as any[], etag: res.headers.get('etag')! };
  }

  async function put(tenant: string, device: string, body: unknown, headers: Record<string, string> = {}) {
    return api.put(`/v1/credentials/${tenant}/${device}`, body, { headers });
  }

  async function putOk(tenant: string, device: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await put(tenant, device, body, headers);
    if (res.status !== 204) throw new Error(`PUT credentials: ${res.status} ${res.text}`);
    expect(res.headers.get('etag')).toMatch(ETAG);
    expect(res.text).toBe('');
    return res.headers.get('etag')!;
  }

  async function stored(tenant: string, device: string) {
    const { rows } = await t.db.query('SELECT type, auth_id, body, confidential FROM credentials WHERE tenant_id = $1 AND device_id = $2 ORDER BY position', [
      tenant,
      device,
    ]);
    return rows;
  }

  function expectNoConfidentialData(set: any[]) {
    for (const credential of set) {
      for (const secret of credential.secrets) {
        expect(secret.id).toEqual(expect.any(String));
        for (const field of CONFIDENTIAL) expect(secret).not.toHaveProperty(field);
        if (credential.type === 'psk') expect(secret).not.toHaveProperty('key');
      }
    }
  }

  async function authenticate(tenant: string, body: object) {
    return api.post(`/v1/authenticate/${tenant}`, body);
  }

  describe('CredentialsManagementIT', () => {
    it('testAddCredentialsSucceeds: a new device has [] and an ETag; all four standard types are added', async () => {
      const { tenant, device } = await newDevice(api);
      const first = await getSet(tenant, device);
      expect(first.set).toEqual([]);
      const id = authId();
      const credentials = [
        { type: 'hashed-password', 'auth-id': id, secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('thePassword') }], ext: { 'client-id': 'MQTT-client-2384236854' } },
        psk('psk-id', 'psk-key'),
        { type: 'x509-cert', 'auth-id': 'emailAddress=foo@bar.com, CN=foo, O=bar', comment: 'non-standard attribute type', secrets: [{}] },
        { type: 'rpk', 'auth-id': id, secrets: [{ key: ecPublicKey(), algorithm: 'EC' }] },
      ];
      const etag = await putOk(tenant, device, credentials);
      expect(etag).not.toBe(first.etag);
      const { set, etag: after } = await getSet(tenant, device);
      expect(after).toBe(etag);
      expect(set).toHaveLength(4);
      for (const credential of set) {
        expect(credential.ext?.['device-id']).toBeUndefined();
        for (const secret of credential.secrets) {
          expect(secret.id).toEqual(expect.any(String));
          expect(secret.enabled ?? true).toBe(true);
        }
      }
      expect(set[0].ext).toEqual({ 'client-id': 'MQTT-client-2384236854' });
      // Java's X500Principal.getName(RFC2253): unknown keywords as OID=#hex, no spaces
      expect(set[2]['auth-id']).toBe('1.2.840.113549.1.9.1=#160b666f6f406261722e636f6d,CN=foo,O=bar');
      expect(set[2].comment).toBe('non-standard attribute type');
      expectNoConfidentialData(set);
    });

    it('testAddCredentialsSucceedsForAdditionalProperties: ext is kept, no device-id added', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [{ ...pwdPlain(authId(), 'thePassword'), ext: { 'client-id': 'MQTT-client-2384236854' } }]);
      const { set } = await getSet(tenant, device);
      expect(set).toHaveLength(1);
      expect(set[0].ext).toEqual({ 'client-id': 'MQTT-client-2384236854' });
    });

    it('testAddRpkCredentialsSucceedsForCertificate: key, algorithm and validity come from the certificate', async () => {
      const { tenant, device } = await newDevice(api);
      const cert = selfSignedCertificate('/CN=rpk-device');
      await putOk(tenant, device, [{ type: 'rpk', 'auth-id': 'bumlux', secrets: [{ cert }] }]);
      const { set } = await getSet(tenant, device);
      const secret = set[0].secrets[0];
      expect(secret.algorithm).toBe('EC');
      expect(secret.key).toEqual(expect.any(String));
      expect(secret['not-before']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(secret['not-after']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(secret).not.toHaveProperty('cert');
    });

    it('testAddCredentialsFailsForWrongContentType', async () => {
      const { tenant, device } = await newDevice(api);
      const res = await api.put(`/v1/credentials/${tenant}/${device}`, JSON.stringify([pwdPlain(authId(), 'pw')]), {
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    const badBodies: Array<[string, () => Promise<unknown> | unknown]> = [
      ['testAddCredentialsFailsForBCryptWithTooManyIterations', async () => [
        { type: 'hashed-password', 'auth-id': 'a', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('thePassword', 5) }] },
      ]],
      ['testAddCredentialsFailsForUnknownProperties', () => [{ ...psk('a', 'secret'), unexpected: 'property' }]],
      ['testAddCredentialsFailsForMissingType', () => [{ 'auth-id': 'a', secrets: [{ 'pwd-plain': 'x' }] }]],
      ['testAddCredentialsFailsForIllegalTypeName', () => [{ 'auth-id': 'deviceId', type: '#illegal' }]],
      ['testAddCredentialsFailsForMissingAuthId', () => [{ type: 'hashed-password', secrets: [{ 'pwd-plain': 'x' }] }]],
      ['testAddCredentialsFailsForIllegalAuthId', () => [{ type: 'hashed-password', 'auth-id': '#illegal', secrets: [{ 'pwd-plain': 'x' }] }]],
      ['testAddRpkCredentialsFailsForSecretWithMalformedPublicKey', () => [
        { type: 'rpk', 'auth-id': 'bumlux', secrets: [{ algorithm: 'EC', key: Buffer.from([1, 2, 3]).toString('base64') }] },
      ]],
      ['testAddRpkCredentialsFailsForSecretWithMalformedCertificate', () => [
        { type: 'rpk', 'auth-id': 'bumlux', secrets: [{ algorithm: 'EC', cert: Buffer.from([1, 2, 3]).toString('base64') }] },
      ]],
      ['testAddCredentialsFailsForSecretWithId (nothing on record)', () => [{ type: 'hashed-password', 'auth-id': 'bumlux', secrets: [{ id: 'secret-one' }] }]],
    ];

    it.each(badBodies)('%s → 400 with an error body, nothing stored', async (_name, body) => {
      const { tenant, device } = await newDevice(api);
      const res = await put(tenant, device, await body());
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe(JSON_UTF8);
      expect(res.body).toEqual({ error: expect.any(String) });
      expect(await stored(tenant, device)).toEqual([]);
    });

    it('testAddCredentialsFailsForEmptyBody', async () => {
      const { tenant, device } = await newDevice(api);
      const res = await api.request('PUT', `/v1/credentials/${tenant}/${device}`, { headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('testUpdateCredentialsSucceeds: a secret sent with its id is updated, a new one added', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      let etag = await putOk(tenant, device, [{ type: 'hashed-password', 'auth-id': id, secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('thePassword') }] }]);
      const { set, etag: current } = await getSet(tenant, device);
      expect(current).toBe(etag);
      expect(set[0].secrets).toHaveLength(1);
      const original = set[0].secrets[0].id;
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
      etag = await putOk(
        tenant,
        device,
        [{ type: 'hashed-password', 'auth-id': id, secrets: [{ id: original, 'pwd-plain': 'completely-different-password', comment: 'updated' }, { 'pwd-plain': 'future-password', 'not-before': tomorrow }] }],
        { 'if-match': etag },
      );
      expect(etag).not.toBe(current);
      const updated = await getSet(tenant, device);
      expect(updated.set[0].secrets).toHaveLength(2);
      const secret = updated.set[0].secrets.find((s: any) => s.id === original);
      expect(secret.comment).toBe('updated');
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'completely-different-password' })).status).toBe(200);
    });

    it('testUpdateCredentialsFailsForWrongResourceVersion: 412 with an error body', async () => {
      const { tenant, device } = await newDevice(api);
      const etag = await putOk(tenant, device, [pwdPlain(authId(), 'pw')]);
      const res = await put(tenant, device, [pwdPlain(authId(), 'pw')], { 'if-match': `${etag.slice(0, -1)}_other"` });
      expect(res.status).toBe(412);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('testUpdateCredentialsFailsForRequestPayloadExceedingLimit: 413', async () => {
      const { tenant, device } = await newDevice(api);
      const res = await put(tenant, device, [{ ...pwdPlain('auth-id', 'password'), ext: { data: 'x'.repeat(3000) } }]);
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('testUpdateCredentialsFailsForNonExistingTenant and testGetCredentialsFailsForNonExistingTenant: 404', async () => {
      const putRes = await put('non-existing-tenant', 'device-1', [pwdPlain('auth-id', 'password')]);
      expect(putRes.status).toBe(404);
      expect(putRes.body).toEqual({ error: expect.any(String) });
      const getRes = await api.get('/v1/credentials/non-existing-tenant/deviceId');
      expect(getRes.status).toBe(404);
      expect(getRes.body).toEqual({ error: expect.any(String) });
    });

    it('testGetAddedCredentials and testUpdateCredentialsChangesResourceVersion', async () => {
      const { tenant, device } = await newDevice(api);
      const before = (await getSet(tenant, device)).etag;
      const etag = await putOk(tenant, device, [pwdPlain(authId(), 'thePassword')]);
      expect(etag).not.toBe(before);
      const { set } = await getSet(tenant, device);
      for (const secret of set[0].secrets) expect(secret.id).toEqual(expect.any(String));
    });

    it('testGetAllCredentialsForDeviceSucceeds: exactly what was added, less ids and confidential data', async () => {
      const { tenant, device } = await newDevice(api);
      const expected: any[] = [
        psk(authId(), 'secret'),
        { type: 'hashed-password', 'auth-id': authId(), secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('thePassword') }] },
        { type: 'x509-cert', 'auth-id': 'CN=Acme', secrets: [{}] },
        ...[0, 1, 2].map((i) => ({ type: `type-${i}`, 'auth-id': authId(), secrets: [{ [`field-${i}`]: 'setec astronomy' }] })),
      ];
      await putOk(tenant, device, expected);
      const { set } = await getSet(tenant, device);
      const strip = (credential: any) => ({
        ...credential,
        secrets: credential.secrets.map((secret: any) => {
          const { id: _id, key: _key, 'pwd-hash': _h, 'pwd-plain': _p, 'hash-function': _f, salt: _s, ...rest } = secret;
          return rest;
        }),
      });
      expect(set.map(strip)).toEqual(expected.map(strip));
    });
  });

  describe('CredentialsServiceTestBase', () => {
    it('testReadCredentialsSucceedsForNewlyCreatedDevice: 404 before the device exists, [] after', async () => {
      const { tenant } = await newDevice(api);
      expect((await api.get(`/v1/credentials/${tenant}/not-yet`)).status).toBe(404);
      await addDevice(api, tenant, 'not-yet');
      expect((await getSet(tenant, 'not-yet')).set).toEqual([]);
    });

    it('testGetCredentialsFailsForNonExistingCredentials and ForNonMatchingTypeAndAuthId', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('device1', 'secret'), psk('device2', 'shared-key')]);
      // psk/device1 and hashed-password/device2 are not registered: type and auth-id go together
      expect((await stored(tenant, device)).map((row) => [row.type, row.auth_id])).toEqual([
        ['hashed-password', 'device1'],
        ['psk', 'device2'],
      ]);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': 'device2', password: 'shared-key' })).status).toBe(401);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': 'unknown', password: 'secret' })).status).toBe(401);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': 'device1', password: 'secret' })).status).toBe(200);
    });

    it('testUpdateCredentialsSucceeds: six credentials of every kind, then looked up by type and auth-id', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      const otherId = authId();
      const clientCert = selfSignedCertificate('/CN=the-device');
      const subjectDn = '1.2.840.113549.1.9.1=#160b666f6f406261722e636f6d,CN=foo,O=bar';
      await putOk(tenant, device, [
        { type: 'hashed-password', 'auth-id': id, secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('bar') }] },
        { type: 'hashed-password', 'auth-id': otherId, secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('bar') }] },
        psk('psk-id', 'the-shared-key'),
        { type: 'x509-cert', 'auth-id': subjectDn, secrets: [{}] },
        { type: 'x509-cert', cert: clientCert },
        { type: 'rpk', 'auth-id': 'rpk-id', secrets: [{ cert: clientCert }] },
      ]);
      const { set } = await getSet(tenant, device);
      expect(set).toHaveLength(6);
      expectNoConfidentialData(set);
      expect(set[4]['auth-id']).toBe('CN=the-device');
      expect(set[4].secrets).toHaveLength(1);
      expect(set[4].secrets[0]['not-after']).toEqual(expect.any(String));
      expect(set[5].secrets[0].key).toEqual(expect.any(String));

      for (const dn of [subjectDn, 'CN=the-device']) {
        const res = await authenticate(tenant, { type: 'x509-cert', 'auth-id': dn });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ 'tenant-id': tenant, 'device-id': device, 'auth-id': dn });
      }
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': otherId, password: 'bar' })).body['device-id']).toBe(device);
      const rows = await stored(tenant, device);
      const pwdRow = rows.find((row) => row.auth_id === otherId);
      expect(Object.values(pwdRow.confidential)).toEqual([{ 'hash-function': 'bcrypt', 'pwd-hash': expect.stringMatching(/^\$2a\$04\$/) }]);
      const pskRow = rows.find((row) => row.type === 'psk');
      const [pskSecretId] = Object.keys(pskRow.confidential);
      expect(openPskKey(pskRow.confidential[pskSecretId].key, tenant, pskSecretId).toString()).toBe('the-shared-key');
    });

    it('testUpdateCredentialsEncodesPlaintextPasswords: pwd-plain becomes a $2a$ bcrypt hash at BCRYPT_MAX_COST', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      await putOk(tenant, device, [pwdPlain(id, 'bar')]);
      const { set } = await getSet(tenant, device);
      expect(set[0].secrets).toHaveLength(1);
      expect(Object.keys(set[0].secrets[0])).toEqual(['id']);
      const [row] = await stored(tenant, device);
      expect(row.confidential[set[0].secrets[0].id]).toEqual({ 'hash-function': 'bcrypt', 'pwd-hash': expect.stringMatching(/^\$2a\$04\$.{53}$/) });
      expect(JSON.stringify(row)).not.toContain('"bar"');
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(200);
    });

    it('testUpdateCredentialsReplacesCredentialsOfSameTypeAndAuthId', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      await putOk(tenant, device, [pwdPlain(id, 'bar')]);
      await putOk(tenant, device, [pwdPlain(id, 'baz')]);
      expect((await getSet(tenant, device)).set).toHaveLength(1);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'baz' })).status).toBe(200);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(401);
    });

    it('testUpdateCredentialsFailsForInvalidSecret: a secret that fails validation is a 400', async () => {
      const { tenant, device } = await newDevice(api);
      for (const secret of [{ enabled: 'yes' }, { 'not-before': 'tomorrow' }, { id: 7 }, { comment: ['x'] }]) {
        const res = await put(tenant, device, [{ type: 'some-type', 'auth-id': 'a', secrets: [secret] }]);
        expect(res.status).toBe(400);
      }
    });

    it('testCreateAndDeletePasswordSecret: deleting the device deletes its credentials', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      await putOk(tenant, device, [pwdPlain(id, 'bar')]);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(200);
      expect((await api.delete(`/v1/devices/${tenant}/${device}`)).status).toBe(204);
      expect((await api.get(`/v1/credentials/${tenant}/${device}`)).status).toBe(404);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(401);
      expect(await stored(tenant, device)).toEqual([]);
      // the auth-id is free again for another device
      await addDevice(api, tenant, 'successor');
      await putOk(tenant, 'successor', [pwdPlain(id, 'bar')]);
    });

    it('testDisableCredentials: a disabled credential is kept but not used', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      await putOk(tenant, device, [pwdPlain(id, 'bar'), psk(id, 'baz', { enabled: false })]);
      const { set } = await getSet(tenant, device);
      expect(set[1]).toMatchObject({ type: 'psk', enabled: false });
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(200);
    });

    it('testUpdateSecretFailsWithWrongSecretId: 400, and nothing changes', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      const etag = await putOk(tenant, device, [pwdPlain(id, 'bar')]);
      const res = await put(tenant, device, [{ type: 'hashed-password', 'auth-id': id, secrets: [{ id: 'randomId', 'pwd-plain': 'foo' }] }]);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/randomId/);
      expect((await getSet(tenant, device)).etag).toBe(etag);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(200);
    });

    it('testUpdateEmptyCredentialsFailsForSecretWithId', async () => {
      const { tenant, device } = await newDevice(api);
      const res = await put(tenant, device, [{ type: 'hashed-password', 'auth-id': 'device1', secrets: [{ id: 'any-id' }] }]);
      expect(res.status).toBe(400);
    });

    it('testUpdateCredentialsSupportsRemovingExistingCredentialsAndSecrets', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      const otherId = authId();
      await putOk(tenant, device, [
        { type: 'hashed-password', 'auth-id': id, secrets: [{ 'pwd-plain': 'bar' }, { 'pwd-plain': 'foo' }] },
        psk(otherId, 'other-shared-key'),
        psk(id, 'shared-key'),
      ]);
      const { set } = await getSet(tenant, device);
      expect(set).toHaveLength(3);
      expectNoConfidentialData(set);
      expect(set.filter((c) => c.type === 'psk')).toHaveLength(2);
      const secretIds = set[0].secrets.map((s: any) => s.id);
      expect(secretIds).toHaveLength(2);
      await putOk(tenant, device, [{ type: 'hashed-password', 'auth-id': id, secrets: [{ id: secretIds[0] }] }]);
      const after = await getSet(tenant, device);
      expect(after.set).toHaveLength(1);
      expect(after.set[0]['auth-id']).toBe(id);
      expect(after.set[0].secrets).toEqual([{ id: secretIds[0] }]);
      expect((await stored(tenant, device)).filter((row) => row.type === 'psk')).toEqual([]);
      // the kept secret still has its password; the removed one is gone
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(200);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'foo' })).status).toBe(401);
    });

    it('testUpdateCredentialsSupportsUpdatingExistingSecrets: same id, new hash', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      const notAfter = new Date(Date.now() + 86_400_000).toISOString();
      await putOk(tenant, device, [{ type: 'hashed-password', 'auth-id': id, secrets: [{ 'pwd-plain': 'orig-password', 'not-after': notAfter }] }]);
      const original = (await getSet(tenant, device)).set[0].secrets[0].id;
      const originalHash = (await stored(tenant, device))[0].confidential[original]['pwd-hash'];
      await putOk(tenant, device, [
        { type: 'hashed-password', 'auth-id': id, secrets: [{ id: original, 'pwd-plain': 'changed-password', 'not-after': notAfter }, { 'pwd-plain': 'future-password', 'not-before': notAfter }] },
        psk(id, 'shared-key'),
      ]);
      const { set } = await getSet(tenant, device);
      expect(set).toHaveLength(2);
      expectNoConfidentialData(set);
      expect(set[0].secrets.map((s: any) => s.id)).toContain(original);
      const [row] = await stored(tenant, device);
      for (const confidential of Object.values<any>(row.confidential)) expect(confidential['pwd-hash']).not.toBe(originalHash);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'changed-password' })).status).toBe(200);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'orig-password' })).status).toBe(401);
      // not valid before tomorrow
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'future-password' })).status).toBe(401);
    });

    it('testSecretMetadataUpdateDoesntChangeSecretID and testSecretMetadataDeletion', async () => {
      const { tenant, device } = await newDevice(api);
      const id = authId();
      await putOk(tenant, device, [pwdPlain(id, 'bar', { 'not-before': new Date(Date.now() - 1000).toISOString() })]);
      const secret = (await getSet(tenant, device)).set[0].secrets[0];
      expect(secret['not-before']).toEqual(expect.any(String));
      await putOk(tenant, device, [{ type: 'hashed-password', 'auth-id': id, secrets: [{ id: secret.id, comment: 'secret comment' }] }]);
      const { set } = await getSet(tenant, device);
      expect(set[0].secrets).toEqual([{ id: secret.id, comment: 'secret comment' }]);
      expect((await authenticate(tenant, { type: 'hashed-password', 'auth-id': id, password: 'bar' })).status).toBe(200);
    });
  });

  describe('patch by secret id for PSK, RPK and generic secrets', () => {
    it('a PSK secret sent with only its id keeps its key; a new key replaces it', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [psk('psk-1', 'first-key')]);
      const [secret] = (await getSet(tenant, device)).set[0].secrets;
      const before = (await stored(tenant, device))[0].confidential[secret.id].key;
      await putOk(tenant, device, [{ type: 'psk', 'auth-id': 'psk-1', secrets: [{ id: secret.id, comment: 'renamed' }] }]);
      const [row] = await stored(tenant, device);
      expect(row.confidential[secret.id].key).toBe(before);
      expect(openPskKey(row.confidential[secret.id].key, tenant, secret.id).toString()).toBe('first-key');
      expect(row.body.secrets).toEqual([{ id: secret.id, comment: 'renamed' }]);
      await putOk(tenant, device, [{ type: 'psk', 'auth-id': 'psk-1', secrets: [{ id: secret.id, key: Buffer.from('second-key').toString('base64') }] }]);
      const [replaced] = await stored(tenant, device);
      expect(openPskKey(replaced.confidential[secret.id].key, tenant, secret.id).toString()).toBe('second-key');
      expect((await getSet(tenant, device)).set[0].secrets).toEqual([{ id: secret.id }]);
    });

    it('a PSK secret without a key and without an id is a 400', async () => {
      const { tenant, device } = await newDevice(api);
      expect((await put(tenant, device, [{ type: 'psk', 'auth-id': 'p', secrets: [{ comment: 'no key' }] }])).status).toBe(400);
    });

    it('an RPK secret sent with only its id keeps its public key and algorithm', async () => {
      const { tenant, device } = await newDevice(api);
      const key = ecPublicKey();
      await putOk(tenant, device, [{ type: 'rpk', 'auth-id': 'rpk-1', secrets: [{ key, algorithm: 'EC' }] }]);
      const [secret] = (await getSet(tenant, device)).set[0].secrets;
      expect(secret).toEqual({ id: secret.id, key, algorithm: 'EC' });
      await putOk(tenant, device, [{ type: 'rpk', 'auth-id': 'rpk-1', secrets: [{ id: secret.id, enabled: false }] }]);
      expect((await getSet(tenant, device)).set[0].secrets).toEqual([{ id: secret.id, key, algorithm: 'EC', enabled: false }]);
      // an id on a credential of another auth-id is unknown there
      const res = await put(tenant, device, [{ type: 'rpk', 'auth-id': 'rpk-2', secrets: [{ id: secret.id }] }]);
      expect(res.status).toBe(400);
    });

    it('a generic secret sent with only its id and metadata keeps its properties', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [{ type: 'api-key', 'auth-id': 'g', secrets: [{ token: 'public-value', scopes: ['a'] }] }]);
      const [secret] = (await getSet(tenant, device)).set[0].secrets;
      await putOk(tenant, device, [{ type: 'api-key', 'auth-id': 'g', secrets: [{ id: secret.id, comment: 'c' }] }]);
      expect((await getSet(tenant, device)).set[0].secrets).toEqual([{ id: secret.id, comment: 'c', token: 'public-value', scopes: ['a'] }]);
      await putOk(tenant, device, [{ type: 'api-key', 'auth-id': 'g', secrets: [{ id: secret.id, token: 'new' }] }]);
      expect((await getSet(tenant, device)).set[0].secrets).toEqual([{ id: secret.id, token: 'new' }]);
    });

    it('a secret id used twice in one credential is a 400', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('twice', 'pw')]);
      const [secret] = (await getSet(tenant, device)).set[0].secrets;
      const res = await put(tenant, device, [{ type: 'hashed-password', 'auth-id': 'twice', secrets: [{ id: secret.id }, { id: secret.id }] }]);
      expect(res.status).toBe(400);
    });
  });

  describe('hashed passwords', () => {
    it('accepts pre-hashed bcrypt $2a$, $2b$ and $2y$ up to BCRYPT_MAX_COST, and sha-256/sha-512 with or without salt', async () => {
      const { tenant, device } = await newDevice(api);
      const salt = Buffer.from('salt-bytes');
      await putOk(tenant, device, [
        { type: 'hashed-password', 'auth-id': 'b2a', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('pw', 4, '2a') }] },
        { type: 'hashed-password', 'auth-id': 'b2b', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('pw', 4, '2b') }] },
        { type: 'hashed-password', 'auth-id': 'b2y', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('pw', 4, '2y') }] },
        { type: 'hashed-password', 'auth-id': 's256', secrets: [{ 'hash-function': 'sha-256', 'pwd-hash': shaHash('sha-256', 'pw') }] },
        { type: 'hashed-password', 'auth-id': 's512', secrets: [{ 'hash-function': 'sha-512', 'pwd-hash': shaHash('sha-512', 'pw', salt), salt: salt.toString('base64') }] },
      ]);
      const { set } = await getSet(tenant, device);
      expectNoConfidentialData(set);
    });

    const bad: Array<[string, object]> = [
      ['an unknown hash function', { 'hash-function': 'md5', 'pwd-hash': 'abcd' }],
      ['a hash function without a hash', { 'hash-function': 'sha-256' }],
      ['a hash without a hash function', { 'pwd-hash': 'abcd' }],
      ['no password at all', { comment: 'x' }],
      ['bcrypt that is not a bcrypt hash', { 'hash-function': 'bcrypt', 'pwd-hash': 'not-bcrypt' }],
      ['bcrypt $2x$', { 'hash-function': 'bcrypt', 'pwd-hash': '$2x$04$' + 'a'.repeat(53) }],
      ['sha-256 hash not Base64', { 'hash-function': 'sha-256', 'pwd-hash': 'not base64!' }],
      ['a salt not Base64', { 'hash-function': 'sha-256', 'pwd-hash': 'abcd', salt: '***' }],
      ['an empty pwd-plain', { 'pwd-plain': '' }],
      ['pwd-plain a number', { 'pwd-plain': 1234 }],
      ['not-before after not-after', { 'pwd-plain': 'x', 'not-before': '2030-01-01T00:00:00Z', 'not-after': '2029-01-01T00:00:00Z' }],
      ['a date without offset', { 'pwd-plain': 'x', 'not-after': '2030-01-01T00:00:00' }],
      ['a key on a password secret', { 'pwd-plain': 'x', key: 'abcd' }],
      ['enabled null', { 'pwd-plain': 'x', enabled: null }],
    ];
    it.each(bad)('400 for %s', async (_name, secret) => {
      const { tenant, device } = await newDevice(api);
      const res = await put(tenant, device, [{ type: 'hashed-password', 'auth-id': 'a', secrets: [secret] }]);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    });
  });

  describe('x509-cert and rpk', () => {
    it('normalises subject DNs as Hono does, and reads subject and validity from a certificate', async () => {
      const { tenant, device } = await newDevice(api);
      const cert = selfSignedCertificate('/C=DE/O=ACME Inc./CN=dev 7', { key: 'rsa' });
      await putOk(tenant, device, [
        { type: 'x509-cert', 'auth-id': 'cn=a, o=b', secrets: [{ 'not-after': '2030-01-01T00:00:00+02:00' }] },
        { type: 'x509-cert', cert, 'auth-id': 'ignored', comment: 'from a certificate', enabled: true },
        { type: 'x509-cert', 'auth-id': 'auth-from-template-not-a-dn', secrets: [{}] },
      ]);
      const { set } = await getSet(tenant, device);
      expect(set[0]).toEqual({ type: 'x509-cert', 'auth-id': 'CN=a,O=b', secrets: [{ id: expect.any(String), 'not-after': '2030-01-01T00:00:00+02:00' }] });
      expect(set[1]).toEqual({
        type: 'x509-cert',
        'auth-id': 'CN=dev 7,O=ACME Inc.,C=DE',
        comment: 'from a certificate',
        enabled: true,
        secrets: [{ id: expect.any(String), 'not-before': expect.any(String), 'not-after': expect.any(String) }],
      });
      expect(Date.parse(set[1].secrets[0]['not-after']) - Date.parse(set[1].secrets[0]['not-before'])).toBeGreaterThan(29 * 86_400_000);
      expect(set[2]['auth-id']).toBe('auth-from-template-not-a-dn');
    });

    const bad: Array<[string, () => object]> = [
      ['x509 without secrets', () => ({ type: 'x509-cert', 'auth-id': 'CN=a' })],
      ['x509 with two secrets', () => ({ type: 'x509-cert', 'auth-id': 'CN=a', secrets: [{}, {}] })],
      ['x509 without auth-id or cert', () => ({ type: 'x509-cert', secrets: [{}] })],
      ['x509 with a malformed certificate', () => ({ type: 'x509-cert', cert: Buffer.from('not a certificate').toString('base64') })],
      ['x509 cert not Base64', () => ({ type: 'x509-cert', cert: '%%%' })],
      ['rpk key without algorithm', () => ({ type: 'rpk', 'auth-id': 'r', secrets: [{ key: ecPublicKey() }] })],
      ['rpk EC key declared RSA', () => ({ type: 'rpk', 'auth-id': 'r', secrets: [{ key: ecPublicKey(), algorithm: 'RSA' }] })],
      ['rpk unknown algorithm', () => ({ type: 'rpk', 'auth-id': 'r', secrets: [{ key: rsaPublicKey(), algorithm: 'ROT13' }] })],
      ['rpk without key', () => ({ type: 'rpk', 'auth-id': 'r', secrets: [{ algorithm: 'EC' }] })],
      ['rpk with no secrets', () => ({ type: 'rpk', 'auth-id': 'r', secrets: [] })],
      ['an auth-id over 1024 bytes', () => ({ type: 'psk', 'auth-id': 'é'.repeat(600), secrets: [{ key: 'AAAA' }] })],
    ];
    it.each(bad)('400 for %s', async (_name, credential) => {
      const { tenant, device } = await newDevice(api);
      const res = await put(tenant, device, [credential()]);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('accepts an RSA key declared RSA in any case', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [{ type: 'rpk', 'auth-id': 'r', secrets: [{ key: rsaPublicKey(), algorithm: 'rsa' }] }]);
    });
  });

  describe('the body', () => {
    const bodies: Array<[string, unknown]> = [
      ['an object instead of an array', pwdPlain('a', 'b')],
      ['a string', '"text"'],
      ['invalid JSON', '[{"type": '],
      ['an array of strings', ['hashed-password']],
      ['an array of arrays', [[]]],
      ['null in the array', [null]],
      ['type null', [{ type: null, 'auth-id': 'a', secrets: [{}] }]],
      ['type a number', [{ type: 5, 'auth-id': 'a', secrets: [{}] }]],
      ['type too long', [{ type: 'a'.repeat(300), 'auth-id': 'a', secrets: [{}] }]],
      ['auth-id a number', [{ type: 'psk', 'auth-id': 5, secrets: [{ key: 'AAAA' }] }]],
      ['empty auth-id', [{ type: 'psk', 'auth-id': '', secrets: [{ key: 'AAAA' }] }]],
      ['secrets an object', [{ type: 'psk', 'auth-id': 'a', secrets: { key: 'AAAA' } }]],
      ['a secret a string', [{ type: 'psk', 'auth-id': 'a', secrets: ['AAAA'] }]],
      ['a generic secret a string', [{ type: 'token', 'auth-id': 'a', secrets: ['AAAA'] }]],
      ['ext an array', [{ ...psk('a', 'k'), ext: [] }]],
      ['unknown property in a secret', [{ type: 'psk', 'auth-id': 'a', secrets: [{ key: 'AAAA', color: 'red' }] }]],
      ['__proto__ in ext', '[{"type":"psk","auth-id":"a","secrets":[{"key":"AAAA"}],"ext":{"__proto__":{"x":1}}}]'],
      ['constructor as a generic property', '[{"type":"token","auth-id":"a","secrets":[{"constructor":1}]}]'],
      ['NUL in a generic property', [{ type: 'token', 'auth-id': 'a', secrets: [{ value: 'a\u0000b' }] }]],
      ['a duplicate type and auth-id', [psk('same', 'k1'), psk('same', 'k2')]],
      ['a duplicate x509 subject in two spellings', [
        { type: 'x509-cert', 'auth-id': 'CN=a,O=b', secrets: [{}] },
        { type: 'x509-cert', 'auth-id': 'cn=a, o=b', secrets: [{}] },
      ]],
    ];
    it.each(bodies)('400 for %s', async (_name, body) => {
      const { tenant, device } = await newDevice(api);
      const res = await put(tenant, device, body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe(JSON_UTF8);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('no mutation of a valid body yields a 500 (seeded fuzz)', async () => {
      const { tenant, device } = await newDevice(api);
      let seed = 42;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const pickOne = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
      const cert = selfSignedCertificate('/CN=fuzz');
      const values = [
        null, true, 0, -1, 1.5, 1e308, '', ' ', 'x', '#', 'CN=', '=,+;', '\\', '%00', '\u202e', '😀', 'é'.repeat(300), 'AAAA', '====',
        '$2a$99$' + 'a'.repeat(53), '$2a$04$' + 'a'.repeat(53), '2030-02-30T00:00:00Z', '2030-01-01T00:00:00Z', cert, [], [null], [{}], {}, { a: {} },
        'hashed-password', 'psk', 'x509-cert', 'rpk', 'bcrypt', 'sha-256',
      ];
      const valid = () => [
        { type: 'hashed-password', 'auth-id': 'f1', secrets: [{ 'pwd-plain': 'p', 'not-before': '2020-01-01T00:00:00Z' }] },
        { type: 'hashed-password', 'auth-id': 'f2', secrets: [{ 'hash-function': 'sha-256', 'pwd-hash': 'AAAA', salt: 'AAAA' }] },
        { type: 'psk', 'auth-id': 'f3', secrets: [{ key: 'AAAA', enabled: true }] },
        { type: 'x509-cert', 'auth-id': 'CN=f4', secrets: [{ comment: 'c' }], ext: { a: 1 } },
        { type: 'rpk', 'auth-id': 'f5', secrets: [{ cert }] },
        { type: 'custom', 'auth-id': 'f6', secrets: [{ anything: 1 }] },
      ];
      const statuses = new Map<number, number>();
      for (let round = 0; round < 150; round++) {
        const body: any = valid();
        for (let m = 0; m < 1 + Math.floor(random() * 3); m++) {
          let target: any = body;
          for (let depth = 0; depth < 4 && typeof target === 'object' && target !== null; depth++) {
            const keys = Object.keys(target);
            if (keys.length === 0 || random() < 0.3) break;
            const key = pickOne(keys);
            if (typeof target[key] !== 'object' || target[key] === null || random() < 0.3) {
              target[key] = pickOne(values);
              break;
            }
            target = target[key];
          }
          if (random() < 0.1 && typeof target === 'object' && target !== null) target[pickOne(['id', 'key', 'cert', 'extra', 'auth-id'])] = pickOne(values);
        }
        const res = await put(tenant, device, body);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`500 for ${JSON.stringify(body)}: ${res.text}`);
        expect(res.headers.get('content-type') ?? JSON_UTF8).toBe(JSON_UTF8);
      }
      expect(statuses.get(400)).toBeGreaterThan(10);
      expect(statuses.get(204)).toBeGreaterThan(0);
    });

    it('an empty array deletes every credential', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('a', 'b')]);
      await putOk(tenant, device, []);
      expect((await getSet(tenant, device)).set).toEqual([]);
    });

    it('malformed tenant and device ids are a 400 before any lookup', async () => {
      expect((await api.get('/v1/credentials/bad%20tenant/d')).status).toBe(400);
      expect((await api.get('/v1/credentials/t/bad%2Fdevice')).status).toBe(400);
      expect((await put('t', 'bad device', [])).status).toBe(400);
    });
  });

  describe('versions and If-Match', () => {
    it('the ETag of a set that was never written is stable, and changes with every write', async () => {
      const { tenant, device } = await newDevice(api);
      const a = await getSet(tenant, device);
      const b = await getSet(tenant, device);
      expect(a.etag).toBe(b.etag);
      const first = await putOk(tenant, device, []);
      expect(first).not.toBe(a.etag);
      const second = await putOk(tenant, device, []);
      expect(second).not.toBe(first);
      // a device's own ETag is unaffected
      const deviceEtag = (await api.get(`/v1/devices/${tenant}/${device}`)).headers.get('etag');
      await putOk(tenant, device, []);
      expect((await api.get(`/v1/devices/${tenant}/${device}`)).headers.get('etag')).toBe(deviceEtag);
    });

    it('quoted, unquoted and * proceed; another version is a 412; a missing device a 404', async () => {
      const { tenant, device } = await newDevice(api);
      const initial = (await getSet(tenant, device)).etag;
      const v1 = await putOk(tenant, device, [], { 'if-match': initial });
      const v2 = await putOk(tenant, device, [], { 'if-match': v1.replace(/"/g, '') });
      await putOk(tenant, device, [], { 'if-match': '*' });
      const stale = await put(tenant, device, [pwdPlain('x', 'y')], { 'if-match': v2 });
      expect(stale.status).toBe(412);
      expect(stale.body).toEqual({ error: expect.any(String) });
      expect((await put(tenant, 'missing-device', [], { 'if-match': v2 })).status).toBe(404);
      expect((await put(tenant, 'missing-device', [], { 'if-match': '*' })).status).toBe(404);
    });

    it('of 10 concurrent PUTs with one If-Match exactly one wins', async () => {
      const { tenant, device } = await newDevice(api);
      const etag = (await getSet(tenant, device)).etag;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(tenant, device, [psk(`writer-${i}`, 'k')], { 'if-match': etag })));
      expect(results.filter((r) => r.status === 204)).toHaveLength(1);
      expect(results.filter((r) => r.status === 412)).toHaveLength(9);
      const winner = results.findIndex((r) => r.status === 204);
      const { set, etag: now } = await getSet(tenant, device);
      expect(set.map((c) => c['auth-id'])).toEqual([`writer-${winner}`]);
      expect(now).toBe(results[winner].headers.get('etag'));
    });
  });

  describe('uniqueness of type and auth-id within a tenant', () => {
    it('an auth-id of another device is a 409; other types, other tenants and the same device are fine', async () => {
      const { tenant, device } = await newDevice(api);
      await addDevice(api, tenant, 'other');
      await putOk(tenant, device, [pwdPlain('shared', 'pw'), psk('shared', 'k')]);
      const taken = await put(tenant, 'other', [psk('free', 'k'), pwdPlain('shared', 'pw2')]);
      expect(taken.status).toBe(409);
      expect(taken.body.error).toMatch(/hashed-password.*shared/);
      expect(await stored(tenant, 'other')).toEqual([]);
      await putOk(tenant, 'other', [{ type: 'rpk', 'auth-id': 'shared', secrets: [{ key: ecPublicKey(), algorithm: 'EC' }] }]);
      const elsewhere = await newDevice(api);
      await putOk(elsewhere.tenant, elsewhere.device, [pwdPlain('shared', 'pw')]);
      // rewriting the same device's own auth-ids is not a conflict
      await putOk(tenant, device, [pwdPlain('shared', 'pw'), psk('shared', 'k')]);
      // x509 subjects compare in their normalised form
      await putOk(tenant, device, [{ type: 'x509-cert', 'auth-id': 'CN=dup,O=x', secrets: [{}] }]);
      expect((await put(tenant, 'other', [{ type: 'x509-cert', 'auth-id': 'cn=dup, o=x', secrets: [{}] }])).status).toBe(409);
    });

    it('of 10 concurrent PUTs to different devices claiming one auth-id exactly one wins', async () => {
      const { tenant } = await newDevice(api);
      for (let i = 0; i < 10; i++) await addDevice(api, tenant, `racer-${i}`);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(tenant, `racer-${i}`, [psk('contested', `key-${i}`)])));
      expect(results.filter((r) => r.status === 204)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(9);
      const { rows } = await t.db.query("SELECT device_id FROM credentials WHERE tenant_id = $1 AND auth_id = 'contested'", [tenant]);
      expect(rows).toEqual([{ device_id: `racer-${results.findIndex((r) => r.status === 204)}` }]);
    });
  });

  describe('registration limits', () => {
    it('max-credentials-per-device counts credential objects: more is a 403', async () => {
      const { tenant, device } = await newDevice(api, { 'registration-limits': { 'max-credentials-per-device': 2 } });
      await putOk(tenant, device, [pwdPlain('a', 'pw'), psk('a', 'k')]);
      const res = await put(tenant, device, [pwdPlain('a', 'pw'), psk('a', 'k'), psk('b', 'k')]);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: expect.any(String) });
      expect(await stored(tenant, device)).toHaveLength(2);
      // many secrets in one credential count once
      await putOk(tenant, device, [{ type: 'hashed-password', 'auth-id': 'a', secrets: [{ 'pwd-plain': '1' }, { 'pwd-plain': '2' }, { 'pwd-plain': '3' }] }]);
      const unlimited = await newDevice(api, { 'registration-limits': { 'max-credentials-per-device': -1 } });
      await putOk(unlimited.tenant, unlimited.device, [psk('a', 'k'), psk('b', 'k'), psk('c', 'k')]);
      const none = await newDevice(api, { 'registration-limits': { 'max-credentials-per-device': 0 } });
      expect((await put(none.tenant, none.device, [psk('a', 'k')])).status).toBe(403);
      await putOk(none.tenant, none.device, []);
    });
  });

  describe('deletes', () => {
    it('deleting a tenant or all its devices removes their credentials', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('t-del', 'pw')]);
      expect((await api.delete(`/v1/devices/${tenant}`)).status).toBe(204);
      expect(await stored(tenant, device)).toEqual([]);
      const other = await newDevice(api);
      await putOk(other.tenant, other.device, [pwdPlain('t-del-2', 'pw')]);
      expect((await api.delete(`/v1/tenants/${other.tenant}`)).status).toBe(204);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM credentials WHERE tenant_id = $1', [other.tenant]);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('access', () => {
    it('read access may GET, only write access may PUT; no grant looks like no tenant', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('acl', 'pw')]);
      const reader = await createUser(t, { tenants: [{ tenant, access: 'read' }] });
      const writer = await createUser(t, { tenants: [{ tenant, access: 'write' }] });
      const stranger = await createUser(t);
      expect((await http(t.baseUrl, reader.auth).get(`/v1/credentials/${tenant}/${device}`)).status).toBe(200);
      expect((await http(t.baseUrl, reader.auth).put(`/v1/credentials/${tenant}/${device}`, [])).status).toBe(403);
      expect((await http(t.baseUrl, writer.auth).put(`/v1/credentials/${tenant}/${device}`, [])).status).toBe(204);
      expect((await http(t.baseUrl, stranger.auth).get(`/v1/credentials/${tenant}/${device}`)).status).toBe(404);
      expect((await http(t.baseUrl).get(`/v1/credentials/${tenant}/${device}`)).status).toBe(401);
    });
  });

  describe('OpenAPI', () => {
    it('documents the credentials routes, the credential types and device authentication', async () => {
      // not through `api`: the document names the confidential fields, which the scan below looks for
      const res = await http(t.baseUrl, t.admin).get('/api/docs-json');
      expect(res.status).toBe(200);
      const doc = res.body;
      expect(Object.keys(doc.paths['/v1/credentials/{tenantId}/{deviceId}'])).toEqual(expect.arrayContaining(['get', 'put']));
      expect(doc.paths['/v1/credentials/{tenantId}/{deviceId}'].put.tags).toEqual(['credentials']);
      expect(Object.keys(doc.paths['/v1/authenticate/{tenantId}'])).toEqual(['post']);
      expect(Object.keys(doc.components.schemas.PasswordSecretDto.properties)).toEqual(
        expect.arrayContaining(['id', 'enabled', 'not-before', 'not-after', 'comment', 'pwd-plain', 'hash-function', 'pwd-hash', 'salt']),
      );
      expect(Object.keys(doc.components.schemas)).toEqual(
        expect.arrayContaining(['PskCredentialDto', 'X509CertificateCredentialDto', 'RpkCredentialDto', 'GenericCredentialDto', 'DeviceAuthenticationDto']),
      );
    });
  });

  describe('confidentiality', () => {
    it('PSK keys are encrypted at rest (AES-256-GCM under SECRET_KEY), never in plaintext or Base64', async () => {
      const { tenant, device } = await newDevice(api);
      const key = 'a-very-recognisable-psk-key';
      await putOk(tenant, device, [psk('enc', key)]);
      const { rows } = await t.db.query('SELECT body::text AS body, confidential::text AS confidential FROM credentials WHERE tenant_id = $1', [tenant]);
      const text = rows[0].body + rows[0].confidential;
      expect(text).not.toContain(key);
      expect(text).not.toContain(Buffer.from(key).toString('base64'));
      expect(text).not.toContain(Buffer.from(key).toString('hex'));
      const [row] = await stored(tenant, device);
      const [secretId] = Object.keys(row.confidential);
      expect(row.confidential[secretId].key).toMatch(/^v1\./);
      expect(openPskKey(row.confidential[secretId].key, tenant, secretId).toString()).toBe(key);
      // the ciphertext is bound to its place: it does not open for another secret id
      expect(() => openPskKey(row.confidential[secretId].key, tenant, 'another-id')).toThrow();
    });

    it('no response ever carried a secret used in these tests', async () => {
      // runs last in this file: `seen` holds every response of the suite
      const { tenant, device } = await newDevice(api);
      const salt = Buffer.from('scan-salt');
      const secrets = {
        plain: 'plain-password-for-the-scan',
        pskKey: 'psk-key-for-the-scan',
        bcrypt: await bcryptHash('hashed-for-the-scan'),
        sha: shaHash('sha-512', 'sha-for-the-scan', salt),
      };
      await putOk(tenant, device, [
        pwdPlain('scan-1', secrets.plain),
        psk('scan-2', secrets.pskKey),
        { type: 'hashed-password', 'auth-id': 'scan-3', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': secrets.bcrypt }] },
        { type: 'hashed-password', 'auth-id': 'scan-4', secrets: [{ 'hash-function': 'sha-512', 'pwd-hash': secrets.sha, salt: salt.toString('base64') }] },
      ]);
      await getSet(tenant, device);
      await authenticate(tenant, { type: 'hashed-password', 'auth-id': 'scan-1', password: secrets.plain });
      await authenticate(tenant, { type: 'hashed-password', 'auth-id': 'scan-1', password: 'wrong-scan-password' });
      await put(tenant, device, [{ type: 'hashed-password', 'auth-id': 'scan-1', secrets: [{ 'pwd-plain': secrets.plain, id: 'unknown-id' }] }]);
      const all = seen.join('\n');
      for (const value of [
        secrets.plain,
        secrets.pskKey,
        Buffer.from(secrets.pskKey).toString('base64'),
        secrets.bcrypt,
        secrets.bcrypt.slice(7),
        secrets.sha,
        salt.toString('base64'),
        'wrong-scan-password',
        '$2a$04$',
        '$2b$04$',
        '$2y$04$',
        '"pwd-hash"',
        '"hash-function"',
        '"salt"',
        '"pwd-plain"',
        'v1.',
      ]) {
        expect(all).not.toContain(value);
      }
      // every PSK key used anywhere in this file, and every password hash the registry made
      const { rows } = await t.db.query('SELECT confidential FROM credentials');
      for (const row of rows) {
        for (const part of Object.values<any>(row.confidential)) {
          for (const [field, value] of Object.entries<string>(part)) if (field !== 'hash-function') expect(all).not.toContain(value);
        }
      }
      for (const key of ['psk-key', 'the-shared-key', 'first-key', 'second-key', 'shared-key', 'other-shared-key']) {
        expect(all).not.toContain(Buffer.from(key).toString('base64'));
      }
    });
  });
});
