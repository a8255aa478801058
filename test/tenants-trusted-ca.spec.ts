import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { expectError, makeCertificate, makePublicKey, tenantTables, TestCertificate, UUID } from './tenants-helpers';

/** Trusted CAs of tenants: the two ways to give one, Hono's checks, and subject DN uniqueness across tenants. */
describe('tenant trusted CAs', () => {
  let t: TestApp;
  let api: Http;
  let rsaKey: string;
  let ecKey: string;
  let rsaCert: TestCertificate;
  let ecCert: TestCertificate;
  let emailCert: TestCertificate;

  beforeAll(async () => {
    t = await startTestApp();
    api = http(t.baseUrl, t.admin);
    rsaKey = makePublicKey('rsa');
    ecKey = makePublicKey('ec');
    rsaCert = makeCertificate('/C=DE/O=Acme Corp/OU=IoT/CN=Acme Root CA', 'rsa');
    ecCert = makeCertificate('/C=NL/O=Example, Inc./CN=Example EC CA', 'ec');
    emailCert = makeCertificate('/O=Mail/CN=Mail CA/emailAddress=ca@example.test', 'ec');
  });
  afterAll(() => t.close());

  let counter = 0;
  const newId = () => `ca-tenant-${++counter}`;
  let dnCounter = 0;
  /** A subject DN no other test uses. */
  const uniqueDn = () => `CN=Test CA ${++dnCounter},O=Tests`;

  function explicitCa(overrides: Record<string, unknown> = {}) {
    return {
      'subject-dn': uniqueDn(),
      'public-key': rsaKey,
      'not-before': '2020-01-01T00:00:00Z',
      'not-after': '2030-01-01T00:00:00+01:00',
      ...overrides,
    };
  }

  async function create(body: object, id = newId()) {
    const res = await api.post(`/v1/tenants/${id}`, body);
    return { id, res };
  }

  async function created(body: object): Promise<string> {
    const { id, res } = await create(body);
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { id } });
    return id;
  }

  async function trustedCas(id: string) {
    const res = await api.get(`/v1/tenants/${id}`);
    expect(res.status).toBe(200);
    return res.body['trusted-ca'];
  }

  async function anchorRows(id: string) {
    const { rows } = await t.db.query('SELECT subject_dn, trust_anchor_group FROM tenant_trust_anchors WHERE tenant_id = $1 ORDER BY subject_dn', [id]);
    return rows;
  }

  describe('given by subject-dn, public-key, not-before and not-after', () => {
    it('is stored as sent, with a generated id and no default algorithm added', async () => {
      const ca = explicitCa({ 'auto-provisioning-enabled': true, 'auth-id-template': 'auth-{{subject-cn}}' });
      const id = await created({ 'trusted-ca': [ca] });
      expect(await trustedCas(id)).toEqual([{ ...ca, id: expect.stringMatching(UUID) }]);
      expect(await anchorRows(id)).toEqual([{ subject_dn: ca['subject-dn'], trust_anchor_group: null }]);
    });

    it('a single object is accepted as a one-element list', async () => {
      const ca = explicitCa();
      const id = await created({ 'trusted-ca': ca });
      expect(await trustedCas(id)).toEqual([{ ...ca, id: expect.stringMatching(UUID) }]);
    });

    it('normalises the subject DN to RFC 2253 as Hono does', async () => {
      const id = await created({ 'trusted-ca': [explicitCa({ 'subject-dn': 'cn=Normalised CA, ou=iot ; o="ACME, Inc."' })] });
      const [ca] = await trustedCas(id);
      expect(ca['subject-dn']).toBe('CN=Normalised CA,OU=iot,O=ACME\\, Inc.');
      expect(await anchorRows(id)).toEqual([{ subject_dn: 'CN=Normalised CA,OU=iot,O=ACME\\, Inc.', trust_anchor_group: null }]);
    });

    it('keeps client ids, all optional fields and an EC key with algorithm EC', async () => {
      const ca = explicitCa({
        id: 'my-ca-2021',
        'public-key': ecKey,
        algorithm: 'EC',
        'subject-dn-bytes': Buffer.from('30003000', 'hex').toString('base64'),
        'auto-provisioning-enabled': false,
        'auto-provision-as-gateway': true,
        'auto-provisioning-device-id-template': 'device-{{subject-dn}}',
        'auth-id-template': '{{subject-o}}-{{subject-ou}}',
        'ocsp-revocation-enabled': true,
        'ocsp-responder-uri': 'http://ocsp.example.test',
        'ocsp-responder-cert': ecCert.cert,
        'ocsp-nonce-enabled': true,
      });
      const id = await created({ 'trusted-ca': [ca] });
      expect(await trustedCas(id)).toEqual([ca]);
    });

    it('allows several CAs with one subject DN in one tenant (overlapping validity)', async () => {
      const dn = uniqueDn();
      const id = await created({
        'trusted-ca': [explicitCa({ 'subject-dn': dn, id: 'old' }), explicitCa({ 'subject-dn': dn, id: 'new', 'public-key': ecKey, algorithm: 'ec' })],
      });
      expect((await trustedCas(id)).map((ca: { id: string }) => ca.id)).toEqual(['old', 'new']);
      expect(await anchorRows(id)).toEqual([{ subject_dn: dn, trust_anchor_group: null }]);
    });

    it('not-before may equal not-after, in different offsets', async () => {
      const ca = explicitCa({ 'not-before': '2030-01-01T01:00:00+01:00', 'not-after': '2030-01-01T00:00:00Z' });
      const id = await created({ 'trusted-ca': [ca] });
      expect((await trustedCas(id))[0]['not-before']).toBe('2030-01-01T01:00:00+01:00');
    });

    it('testAddTenantFailsForMalformedTrustConfiguration: a public key that is Base64 but no DER key → 400', async () => {
      for (const algorithm of ['EC', 'RSA', undefined]) {
        const ca = explicitCa({ 'public-key': Buffer.from('NotBased64Encoded').toString('base64'), algorithm });
        const { res, id } = await create({ 'trusted-ca': [ca] });
        expectError(res, 400, /public-key is not a DER SubjectPublicKeyInfo/);
        expect((await api.get(`/v1/tenants/${id}`)).status).toBe(404);
      }
    });

    it('an empty list is fine and claims nothing', async () => {
      const id = await created({ 'trusted-ca': [] });
      expect(await trustedCas(id)).toEqual([]);
      expect(await anchorRows(id)).toEqual([]);
    });
  });

  describe('given by cert', () => {
    // the certificates are shared by these tests, and a subject DN can only be held by one tenant
    afterEach(() => t.db.query('DELETE FROM tenants WHERE id IN (SELECT tenant_id FROM tenant_trust_anchors)'));

    it('takes subject DN, public key, algorithm and validity from an RSA certificate and does not store cert', async () => {
      const id = await created({ 'trusted-ca': [{ cert: rsaCert.cert, 'auto-provisioning-enabled': true }] });
      const [ca] = await trustedCas(id);
      expect(ca).toEqual({
        id: expect.stringMatching(UUID),
        'subject-dn': 'CN=Acme Root CA,OU=IoT,O=Acme Corp,C=DE',
        'public-key': rsaCert.publicKey,
        algorithm: 'RSA',
        'not-before': rsaCert.notBefore,
        'not-after': rsaCert.notAfter,
        'auto-provisioning-enabled': true,
      });
      const { rows } = await t.db.query('SELECT body::text AS body FROM tenants WHERE id = $1', [id]);
      expect(rows[0].body).not.toContain(rsaCert.cert.slice(0, 40));
      expect(await anchorRows(id)).toEqual([{ subject_dn: 'CN=Acme Root CA,OU=IoT,O=Acme Corp,C=DE', trust_anchor_group: null }]);
    });

    it('reports EC for an EC certificate and escapes special characters of the DN', async () => {
      const id = await created({ 'trusted-ca': { cert: ecCert.cert } });
      const [ca] = await trustedCas(id);
      expect(ca['subject-dn']).toBe('CN=Example EC CA,O=Example\\, Inc.,C=NL');
      expect(ca.algorithm).toBe('EC');
      expect(ca['public-key']).toBe(ecCert.publicKey);
      expect([ca['not-before'], ca['not-after']]).toEqual([ecCert.notBefore, ecCert.notAfter]);
    });

    it('writes attributes without an RFC 2253 keyword (emailAddress) as OID=#hex, as Java does', async () => {
      const id = await created({ 'trusted-ca': [{ cert: emailCert.cert }] });
      const [ca] = await trustedCas(id);
      const email = Buffer.from('ca@example.test');
      const hex = Buffer.concat([Buffer.from([0x16, email.length]), email]).toString('hex');
      expect(ca['subject-dn']).toBe(`1.2.840.113549.1.9.1=#${hex},CN=Mail CA,O=Mail`);
    });

    it('also reads a certificate in PEM (as Java\'s CertificateFactory does)', async () => {
      const pem = `-----BEGIN CERTIFICATE-----\n${ecCert.cert.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
      const id = await created({ 'trusted-ca': [{ cert: Buffer.from(pem).toString('base64') }] });
      const [ca] = await trustedCas(id);
      expect(ca['subject-dn']).toBe('CN=Example EC CA,O=Example\\, Inc.,C=NL');
      expect(ca['public-key']).toBe(ecCert.publicKey);
    });

    it('the certificate wins over explicit fields given with it', async () => {
      const id = await created({
        'trusted-ca': [{ cert: ecCert.cert, 'subject-dn': 'CN=Ignored', 'public-key': rsaKey, algorithm: 'RSA', 'not-before': '2000-01-01T00:00:00Z', 'not-after': '2001-01-01T00:00:00Z' }],
      });
      const [ca] = await trustedCas(id);
      expect(ca['subject-dn']).toBe('CN=Example EC CA,O=Example\\, Inc.,C=NL');
      expect(ca.algorithm).toBe('EC');
      expect(ca['public-key']).toBe(ecCert.publicKey);
      expect(ca['not-after']).toBe(ecCert.notAfter);
    });

    it('a DN typed by hand and the same DN from a certificate collide across tenants', async () => {
      const certTenant = await created({ 'trusted-ca': [{ cert: rsaCert.cert }] });
      const clash = await create({ 'trusted-ca': [explicitCa({ 'subject-dn': 'cn=Acme Root CA, ou=IoT, o=Acme Corp, c=DE' })] });
      expectError(clash.res, 409, /CN=Acme Root CA,OU=IoT,O=Acme Corp,C=DE/);
      expect((await api.delete(`/v1/tenants/${certTenant}`)).status).toBe(204);
      const retry = await create({ 'trusted-ca': [explicitCa({ 'subject-dn': 'cn=Acme Root CA, ou=IoT, o=Acme Corp, c=DE' })] }, clash.id);
      expect(retry.res.status).toBe(201);
      expectError((await create({ 'trusted-ca': [{ cert: rsaCert.cert }] })).res, 409);
    });
  });

  describe('is rejected with 400 and nothing stored', () => {
    let before: unknown;
    beforeEach(async () => {
      before = await tenantTables(t.db);
    });
    afterEach(async () => {
      expect(await tenantTables(t.db)).toEqual(before);
    });

    const cases: Array<[string, () => object, RegExp]> = [
      ['cert that is not Base64', () => ({ cert: 'not base64!' }), /cert/],
      ['cert in URL-safe Base64 without padding', () => ({ cert: 'AAA-_A' }), /cert/],
      ['cert that is Base64 of something else', () => ({ cert: Buffer.from('hello world, no certificate').toString('base64') }), /cert/],
      ['cert truncated', () => ({ cert: rsaCert.cert.slice(0, 200) }), /cert/],
      ['cert as a number', () => ({ cert: 5 }), /cert/],
      ['cert with an empty subject', () => ({ cert: makeCertificate('/').cert }), /empty subject/],
      ['no cert and no subject-dn', () => { const { 'subject-dn': _, ...rest } = explicitCa(); return rest; }, /subject-dn/],
      ['no cert and no public-key', () => { const { 'public-key': _, ...rest } = explicitCa(); return rest; }, /public-key/],
      ['no cert and no not-before', () => { const { 'not-before': _, ...rest } = explicitCa(); return rest; }, /not-before/],
      ['no cert and no not-after', () => { const { 'not-after': _, ...rest } = explicitCa(); return rest; }, /not-after/],
      ['an empty object', () => ({}), /cert/],
      ['public-key not Base64', () => explicitCa({ 'public-key': '%%%%' }), /public-key/],
      ['public-key empty', () => explicitCa({ 'public-key': '' }), /public-key/],
      ['an EC key with the default algorithm RSA', () => explicitCa({ 'public-key': ecKey }), /public-key is an EC key, not RSA/],
      ['an RSA key declared EC', () => explicitCa({ algorithm: 'EC' }), /public-key is an RSA key, not EC/],
      ['an RSA key with an unknown algorithm', () => explicitCa({ algorithm: 'ROT13' }), /ROT13/],
      ['algorithm empty', () => explicitCa({ algorithm: '' }), /algorithm/],
      ['subject-dn that is not a DN', () => explicitCa({ 'subject-dn': 'just some text' }), /subject-dn/],
      ['subject-dn with an unknown attribute', () => explicitCa({ 'subject-dn': 'FOO=bar' }), /subject-dn/],
      ['subject-dn with an empty RDN', () => explicitCa({ 'subject-dn': 'CN=a,,O=b' }), /subject-dn/],
      ['subject-dn empty', () => explicitCa({ 'subject-dn': '' }), /subject-dn/],
      ['subject-dn too long', () => explicitCa({ 'subject-dn': `CN=${'x'.repeat(1100)}` }), /subject-dn/],
      ['subject-dn as a list', () => explicitCa({ 'subject-dn': ['CN=a'] }), /subject-dn/],
      ['a bad subject-dn even with a cert', () => ({ cert: ecCert.cert, 'subject-dn': 'nonsense' }), /subject-dn/],
      ['not-before without offset', () => explicitCa({ 'not-before': '2020-01-01T00:00:00' }), /not-before/],
      ['not-after as a date only', () => explicitCa({ 'not-after': '2030-01-01' }), /not-after/],
      ['not-after in month 13', () => explicitCa({ 'not-after': '2030-13-01T00:00:00Z' }), /not-after/],
      ['not-before after not-after', () => explicitCa({ 'not-before': '2031-01-01T00:00:00Z', 'not-after': '2031-01-01T00:59:59+01:00' }), /not-before/],
      ['subject-dn-bytes not Base64', () => explicitCa({ 'subject-dn-bytes': '??' }), /subject-dn-bytes/],
      ['auth-id-template without a placeholder', () => explicitCa({ 'auth-id-template': 'fixed-id' }), /auth-id-template/],
      ['auth-id-template with an unknown placeholder only', () => explicitCa({ 'auth-id-template': '{{subject-x}}' }), /auth-id-template/],
      ['auth-id-template with an unknown placeholder beside a known one', () => explicitCa({ 'auth-id-template': '{{subject-cn}}-{{subject-c}}' }), /unsupported placeholders \{\{subject-c\}\}/],
      ['device id template with an unknown placeholder', () => explicitCa({ 'auto-provisioning-device-id-template': 'dev-{{subject-dn}}{{serial}}' }), /auto-provisioning-device-id-template/],
      ['device id template without a placeholder', () => explicitCa({ 'auto-provisioning-device-id-template': 'device' }), /auto-provisioning-device-id-template/],
      ['auto-provisioning-enabled "true"', () => explicitCa({ 'auto-provisioning-enabled': 'true' }), /auto-provisioning-enabled/],
      ['auto-provision-as-gateway 1', () => explicitCa({ 'auto-provision-as-gateway': 1 }), /auto-provision-as-gateway/],
      ['OCSP enabled without cert or responder cert', () => explicitCa({ 'ocsp-revocation-enabled': true }), /OCSP/],
      ['ocsp-responder-cert not Base64', () => explicitCa({ 'ocsp-responder-cert': 'x' }), /ocsp-responder-cert/],
      ['ocsp-nonce-enabled "yes"', () => explicitCa({ 'ocsp-nonce-enabled': 'yes' }), /ocsp-nonce-enabled/],
      ['an unknown property', () => explicitCa({ issuer: 'me' }), /unknown property "trusted-ca\[0\]\.issuer"/],
      ['id empty', () => explicitCa({ id: '' }), /id/],
      ['id as a number', () => explicitCa({ id: 7 }), /id/],
    ];

    it.each(cases)('%s', async (_name, ca, message) => {
      expectError((await create({ 'trusted-ca': [ca()] })).res, 400, message);
    });

    it('duplicate ids within the tenant', async () => {
      const res = (await create({ 'trusted-ca': [explicitCa({ id: 'same' }), explicitCa({ id: 'same' })] })).res;
      expectError(res, 400, /same/);
    });

    it('a list with one good and one bad CA', async () => {
      expectError((await create({ 'trusted-ca': [explicitCa(), explicitCa({ 'public-key': 'not Base64' })] })).res, 400, /trusted-ca\[1\]/);
    });

    it('a list element that is not an object', async () => {
      expectError((await create({ 'trusted-ca': [explicitCa(), 'CN=x'] })).res, 400, /trusted-ca/);
    });
  });

  describe('subject DN uniqueness across tenants', () => {
    it('a DN used by another tenant is 409, in any spelling; nothing is stored', async () => {
      const dn = uniqueDn();
      await created({ 'trusted-ca': [explicitCa({ 'subject-dn': dn })] });
      const before = await tenantTables(t.db);
      const spelled = dn.replace('CN=', 'cn = ').replace(',O=', ' , o=');
      expectError((await create({ 'trusted-ca': [explicitCa({ 'subject-dn': spelled })] })).res, 409, /already used by another tenant/);
      expectError((await api.post('/v1/tenants', { 'trusted-ca': explicitCa({ 'subject-dn': dn }) })), 409);
      expect(await tenantTables(t.db)).toEqual(before);
    });

    it('tenants of the same trust-anchor-group may share a DN; other groups and ungrouped tenants may not', async () => {
      const dn = uniqueDn();
      const first = await created({ 'trust-anchor-group': 'fleet', 'trusted-ca': [explicitCa({ 'subject-dn': dn })] });
      const second = await created({ 'trust-anchor-group': 'fleet', 'trusted-ca': [explicitCa({ 'subject-dn': dn })] });
      expectError((await create({ 'trust-anchor-group': 'other-fleet', 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })).res, 409);
      expectError((await create({ 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })).res, 409);
      expectError((await create({ 'trust-anchor-group': '', 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })).res, 409);
      expect(await anchorRows(first)).toEqual([{ subject_dn: dn, trust_anchor_group: 'fleet' }]);
      expect(await anchorRows(second)).toEqual([{ subject_dn: dn, trust_anchor_group: 'fleet' }]);
      // leaving the group while another member holds the DN is a conflict
      expectError(await api.put(`/v1/tenants/${second}`, { 'trust-anchor-group': 'elsewhere', 'trusted-ca': [explicitCa({ 'subject-dn': dn })] }), 409);
      expect(await anchorRows(second)).toEqual([{ subject_dn: dn, trust_anchor_group: 'fleet' }]);
    });

    it('an ungrouped holder blocks a grouped newcomer', async () => {
      const dn = uniqueDn();
      await created({ 'trusted-ca': [explicitCa({ 'subject-dn': dn })] });
      expectError((await create({ 'trust-anchor-group': 'fleet', 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })).res, 409);
    });

    it('PUT: keeping its own DN is fine, taking another tenant\'s is 409 and changes nothing', async () => {
      const dnA = uniqueDn();
      const dnB = uniqueDn();
      const a = await created({ 'trusted-ca': [explicitCa({ 'subject-dn': dnA })] });
      const b = await created({ 'trusted-ca': [explicitCa({ 'subject-dn': dnB })] });
      expect((await api.put(`/v1/tenants/${a}`, { enabled: false, 'trusted-ca': [explicitCa({ 'subject-dn': dnA })] })).status).toBe(204);
      const before = await tenantTables(t.db);
      expectError(await api.put(`/v1/tenants/${b}`, { 'trusted-ca': [explicitCa({ 'subject-dn': dnB }), explicitCa({ 'subject-dn': dnA })] }), 409);
      expect(await tenantTables(t.db)).toEqual(before);
    });

    it('the anchor index follows updates and deletes, freeing DNs', async () => {
      const dnOld = uniqueDn();
      const dnNew = uniqueDn();
      const a = await created({ 'trusted-ca': [explicitCa({ 'subject-dn': dnOld })] });
      expect((await api.put(`/v1/tenants/${a}`, { 'trust-anchor-group': 'g1', 'trusted-ca': [explicitCa({ 'subject-dn': dnNew })] })).status).toBe(204);
      expect(await anchorRows(a)).toEqual([{ subject_dn: dnNew, trust_anchor_group: 'g1' }]);
      expect((await create({ 'trusted-ca': [explicitCa({ 'subject-dn': dnOld })] })).res.status).toBe(201);
      expect((await api.put(`/v1/tenants/${a}`, {})).status).toBe(204);
      expect(await anchorRows(a)).toEqual([]);
      expect((await create({ 'trusted-ca': [explicitCa({ 'subject-dn': dnNew })] })).res.status).toBe(201);
    });

    it('deleting a tenant frees its DNs', async () => {
      const dn = uniqueDn();
      const a = await created({ 'trusted-ca': [explicitCa({ 'subject-dn': dn })] });
      expectError((await create({ 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })).res, 409);
      expect((await api.delete(`/v1/tenants/${a}`)).status).toBe(204);
      expect(await anchorRows(a)).toEqual([]);
      expect((await create({ 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })).res.status).toBe(201);
    });

    it('of 10 tenants created concurrently with one DN exactly one gets it', async () => {
      const dn = uniqueDn();
      const results = await Promise.all(Array.from({ length: 10 }, () => create({ 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })));
      expect(results.map(({ res }) => res.status).sort()).toEqual([201, ...Array(9).fill(409)]);
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM tenant_trust_anchors WHERE subject_dn = $1', [dn]);
      expect(rows[0].n).toBe(1);
    });

    it('of concurrent PUTs moving two tenants onto one DN exactly one succeeds', async () => {
      const dn = uniqueDn();
      const tenants = await Promise.all(Array.from({ length: 6 }, () => created({})));
      const results = await Promise.all(tenants.map((id) => api.put(`/v1/tenants/${id}`, { 'trusted-ca': [explicitCa({ 'subject-dn': dn })] })));
      expect(results.map((res) => res.status).sort()).toEqual([204, ...Array(5).fill(409)]);
    });
  });
});
