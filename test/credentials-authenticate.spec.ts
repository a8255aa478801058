import { allowedFailures, bearer, createToken, createUser } from './auth/helpers';
import { addDevice, bcryptHash, ecPublicKey, newDevice, psk, pwdPlain, randomSalt, selfSignedCertificate, shaHash } from './credentials-helpers';
import { http, Http, HttpResponse } from './setup/http';
import { basic, startTestApp, TestApp } from './setup/test-app';

const JSON_UTF8 = 'application/json; charset=utf-8';
const HOUR = 3_600_000;
const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

/** POST /v1/authenticate/{tenantId} (docs/credentials.md; an extension of Hono's API): what a protocol adapter calls to check a device. */
describe('device authentication', () => {
  let t: TestApp;
  let api: Http;

  beforeAll(async () => {
    t = await startTestApp({ BCRYPT_MAX_COST: '4' }, { captureLogs: true });
    api = http(t.baseUrl, t.admin);
  });
  afterAll(() => t.close());

  async function putOk(tenant: string, device: string, body: unknown) {
    const res = await api.put(`/v1/credentials/${tenant}/${device}`, body);
    if (res.status !== 204) throw new Error(`PUT credentials: ${res.status} ${res.text}`);
  }

  const authenticate = (tenant: string, body: unknown, client: Http = api) => client.post(`/v1/authenticate/${tenant}`, body);
  const password = (authId: string, pw: string) => ({ type: 'hashed-password', 'auth-id': authId, password: pw });

  /** The 401 the guard gives a caller without operator credentials: every device-authentication failure must look exactly like it. */
  let reference: HttpResponse;
  beforeAll(async () => {
    reference = await http(t.baseUrl).post('/v1/authenticate/anything', password('a', 'b'));
    expect(reference.status).toBe(401);
  });

  function expectGeneric401(res: HttpResponse) {
    expect(res.status).toBe(401);
    expect(res.text).toBe(reference.text);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(res.headers.get('www-authenticate')).toBe(reference.headers.get('www-authenticate'));
    expect(res.body).toEqual({ error: expect.any(String) });
  }

  describe('success', () => {
    it('bcrypt from pwd-plain, pre-hashed bcrypt $2a$/$2b$/$2y$, sha-256 and sha-512 with and without salt', async () => {
      const { tenant, device } = await newDevice(api);
      const salt = randomSalt();
      await putOk(tenant, device, [
        pwdPlain('plain', 'pw-plain'),
        { type: 'hashed-password', 'auth-id': 'b2a', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('pw-2a', 4, '2a') }] },
        { type: 'hashed-password', 'auth-id': 'b2b', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('pw-2b', 4, '2b') }] },
        { type: 'hashed-password', 'auth-id': 'b2y', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': await bcryptHash('pw-2y', 4, '2y') }] },
        { type: 'hashed-password', 'auth-id': 's256', secrets: [{ 'hash-function': 'sha-256', 'pwd-hash': shaHash('sha-256', 'pw-256') }] },
        { type: 'hashed-password', 'auth-id': 's256salt', secrets: [{ 'hash-function': 'sha-256', 'pwd-hash': shaHash('sha-256', 'pw-256s', salt), salt: salt.toString('base64') }] },
        { type: 'hashed-password', 'auth-id': 's512', secrets: [{ 'hash-function': 'sha-512', 'pwd-hash': shaHash('sha-512', 'pw-512') }] },
        { type: 'hashed-password', 'auth-id': 's512salt', secrets: [{ 'hash-function': 'sha-512', 'pwd-hash': shaHash('sha-512', 'pw-512s', salt), salt: salt.toString('base64') }] },
      ]);
      const cases: Array<[string, string]> = [
        ['plain', 'pw-plain'],
        ['b2a', 'pw-2a'],
        ['b2b', 'pw-2b'],
        ['b2y', 'pw-2y'],
        ['s256', 'pw-256'],
        ['s256salt', 'pw-256s'],
        ['s512', 'pw-512'],
        ['s512salt', 'pw-512s'],
      ];
      for (const [authId, pw] of cases) {
        const res = await authenticate(tenant, password(authId, pw));
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(JSON_UTF8);
        expect(res.body).toEqual({ 'tenant-id': tenant, 'device-id': device, 'auth-id': authId });
        expectGeneric401(await authenticate(tenant, password(authId, `${pw}-wrong`)));
      }
      // a salted hash needs the salt; the same digest without it does not verify
      expectGeneric401(await authenticate(tenant, password('s256salt', 'pw-256')));
    });

    it('x509-cert by subject DN, in any spelling of the DN', async () => {
      const { tenant, device } = await newDevice(api);
      const cert = selfSignedCertificate('/O=ACME/CN=meter-9');
      await putOk(tenant, device, [{ type: 'x509-cert', cert }, { type: 'x509-cert', 'auth-id': 'CN=by-hand,OU=iot', secrets: [{}] }]);
      for (const [dn, stored] of [
        ['CN=meter-9,O=ACME', 'CN=meter-9,O=ACME'],
        ['cn=meter-9, o=ACME', 'CN=meter-9,O=ACME'],
        ['CN=by-hand, OU=iot', 'CN=by-hand,OU=iot'],
      ]) {
        const res = await authenticate(tenant, { type: 'x509-cert', 'auth-id': dn });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ 'tenant-id': tenant, 'device-id': device, 'auth-id': stored });
      }
      expectGeneric401(await authenticate(tenant, { type: 'x509-cert', 'auth-id': 'CN=meter-9,O=Other' }));
      expectGeneric401(await authenticate(tenant, { type: 'x509-cert', 'auth-id': 'not a DN' }));
    });

    it("x509-cert with the issuer DN: the trusted CA's auth-id-template makes the auth-id, as in Hono's adapters", async () => {
      const ca = (subjectDn: string, extra: object = {}) => ({ 'subject-dn': subjectDn, 'public-key': ecPublicKey(), algorithm: 'EC', 'not-before': iso(-HOUR), 'not-after': iso(HOUR), ...extra });
      const { tenant, device } = await newDevice(api, {
        'trusted-ca': [
          ca('CN=Templated CA,O=ACME', { 'auth-id-template': 'device-{{subject-cn}}.{{subject-o}}' }),
          ca('CN=Plain CA,O=ACME'),
          ca('CN=Expired CA,O=ACME', { 'not-before': iso(-2 * HOUR), 'not-after': iso(-HOUR) }),
        ],
      });
      await putOk(tenant, device, [
        { type: 'x509-cert', 'auth-id': 'device-meter-9.ACME', secrets: [{}] },
        { type: 'x509-cert', 'auth-id': 'CN=meter-10,O=ACME', secrets: [{}] },
        { type: 'x509-cert', 'auth-id': 'CN=meter-11,O=ACME', secrets: [{}] },
      ]);
      const x509 = (subject: string, issuer?: string) => authenticate(tenant, { type: 'x509-cert', 'auth-id': subject, ...(issuer && { 'issuer-dn': issuer }) });

      const templated = await x509('CN=meter-9, O=ACME', 'cn=Templated CA, o=ACME');
      expect(templated.status).toBe(200);
      expect(templated.body).toEqual({ 'tenant-id': tenant, 'device-id': device, 'auth-id': 'device-meter-9.ACME' });
      // a CA without a template: the subject DN is the auth-id
      expect((await x509('CN=meter-10,O=ACME', 'CN=Plain CA,O=ACME')).body['auth-id']).toBe('CN=meter-10,O=ACME');
      // without the issuer, no template applies: there is no credential CN=meter-9,O=ACME
      expectGeneric401(await x509('CN=meter-9,O=ACME'));
      // the template names O, which this subject lacks; an issuer that is no CA of the tenant; an expired CA
      expectGeneric401(await x509('CN=meter-9', 'CN=Templated CA,O=ACME'));
      expectGeneric401(await x509('CN=meter-10,O=ACME', 'CN=Unknown CA,O=ACME'));
      expectGeneric401(await x509('CN=meter-11,O=ACME', 'CN=Expired CA,O=ACME'));
      // a CA of another tenant does not count
      const other = await newDevice(api, { 'trusted-ca': [ca('CN=Other CA,O=ACME')] });
      expect(other.tenant).not.toBe(tenant);
      expectGeneric401(await x509('CN=meter-10,O=ACME', 'CN=Other CA,O=ACME'));
    });

    it('any one valid secret of several will do', async () => {
      const { tenant } = await newDevice(api);
      await addDevice(api, tenant, 'rotating');
      await putOk(tenant, 'rotating', [
        {
          type: 'hashed-password',
          'auth-id': 'rotating',
          secrets: [
            { 'pwd-plain': 'old', 'not-after': iso(-HOUR) },
            { 'pwd-plain': 'current', 'not-before': iso(-HOUR), 'not-after': iso(HOUR) },
            { 'pwd-plain': 'next', 'not-before': iso(HOUR) },
          ],
        },
      ]);
      expect((await authenticate(tenant, password('rotating', 'current'))).status).toBe(200);
      expectGeneric401(await authenticate(tenant, password('rotating', 'old')));
      expectGeneric401(await authenticate(tenant, password('rotating', 'next')));
    });

    it('needs registry.adapter and read access to the tenant (a protocol adapter\'s token); a mere read permit is 403, no grant 404', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('via-adapter', 'pw')]);
      const adapter = await createUser(t, { tenants: [{ tenant, access: 'read' }] });
      const token = await createToken(t, adapter, 'registry.adapter');
      const res = await authenticate(tenant, password('via-adapter', 'pw'), http(t.baseUrl, bearer(token)));
      expect(res.status).toBe(200);
      expect(res.body['device-id']).toBe(device);
      const reader = await createToken(t, adapter, 'auth');
      const refused = await authenticate(tenant, password('via-adapter', 'pw'), http(t.baseUrl, bearer(reader)));
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ error: expect.any(String) });
      const stranger = await createUser(t);
      expect((await authenticate(tenant, password('via-adapter', 'pw'), http(t.baseUrl, stranger.auth))).status).toBe(404);
    });
  });

  describe('one generic 401 for every reason', () => {
    let tenant: string;
    let device: string;

    beforeAll(async () => {
      ({ tenant, device } = await newDevice(api));
      await putOk(tenant, device, [
        pwdPlain('good', 'pw'),
        { ...pwdPlain('disabled-credential', 'pw'), enabled: false },
        pwdPlain('disabled-secret', 'pw', { enabled: false }),
        pwdPlain('not-yet', 'pw', { 'not-before': iso(HOUR) }),
        pwdPlain('expired', 'pw', { 'not-after': iso(-HOUR) }),
        { type: 'x509-cert', 'auth-id': 'CN=expired', secrets: [{ 'not-after': iso(-HOUR) }] },
        { type: 'x509-cert', 'auth-id': 'CN=disabled', enabled: false, secrets: [{}] },
        { type: 'x509-cert', 'auth-id': 'CN=disabled-secret', secrets: [{ enabled: false }] },
        psk('psk-only', 'pw'),
      ]);
    });

    it('the control: the good credential works', async () => {
      expect((await authenticate(tenant, password('good', 'pw'))).status).toBe(200);
    });

    const reasons: Array<[string, () => [string, object]]> = [
      ['unknown tenant', () => ['no-such-tenant', password('good', 'pw')]],
      ['unknown auth-id', () => [tenant, password('nobody', 'pw')]],
      ['an auth-id of another type', () => [tenant, password('psk-only', 'pw')]],
      ['wrong password', () => [tenant, password('good', 'wrong')]],
      ['an empty password', () => [tenant, password('good', '')]],
      ['disabled credential', () => [tenant, password('disabled-credential', 'pw')]],
      ['disabled secret', () => [tenant, password('disabled-secret', 'pw')]],
      ['secret not yet valid (not-before)', () => [tenant, password('not-yet', 'pw')]],
      ['secret expired (not-after)', () => [tenant, password('expired', 'pw')]],
      ['x509: unknown subject', () => [tenant, { type: 'x509-cert', 'auth-id': 'CN=nobody' }]],
      ['x509: expired', () => [tenant, { type: 'x509-cert', 'auth-id': 'CN=expired' }]],
      ['x509: disabled credential', () => [tenant, { type: 'x509-cert', 'auth-id': 'CN=disabled' }]],
      ['x509: disabled secret', () => [tenant, { type: 'x509-cert', 'auth-id': 'CN=disabled-secret' }]],
    ];
    it.each(reasons)('%s', async (_name, request) => {
      const [target, body] = request();
      expectGeneric401(await authenticate(target, body));
    });

    it('disabled device, disabled tenant, deleted device', async () => {
      const subject = await newDevice(api);
      await putOk(subject.tenant, subject.device, [pwdPlain('lifecycle', 'pw'), { type: 'x509-cert', 'auth-id': 'CN=lifecycle', secrets: [{}] }]);
      const ok = () => authenticate(subject.tenant, password('lifecycle', 'pw'));
      const okX509 = () => authenticate(subject.tenant, { type: 'x509-cert', 'auth-id': 'CN=lifecycle' });
      expect((await ok()).status).toBe(200);
      expect((await api.put(`/v1/devices/${subject.tenant}/${subject.device}`, { enabled: false })).status).toBe(204);
      expectGeneric401(await ok());
      expectGeneric401(await okX509());
      expect((await api.put(`/v1/devices/${subject.tenant}/${subject.device}`, { enabled: true })).status).toBe(204);
      expect((await ok()).status).toBe(200);
      expect((await api.put(`/v1/tenants/${subject.tenant}`, { enabled: false })).status).toBe(204);
      expectGeneric401(await ok());
      expectGeneric401(await okX509());
      expect((await api.put(`/v1/tenants/${subject.tenant}`, {})).status).toBe(204);
      expect((await ok()).status).toBe(200);
      expect((await api.delete(`/v1/devices/${subject.tenant}/${subject.device}`)).status).toBe(204);
      expectGeneric401(await ok());
    });
  });

  describe('bad requests', () => {
    const bodies: Array<[string, unknown]> = [
      ['no body', undefined],
      ['an array', [password('a', 'b')]],
      ['no type', { 'auth-id': 'a', password: 'b' }],
      ['a type that cannot be checked here', { type: 'psk', 'auth-id': 'a', password: 'b' }],
      ['no auth-id', { type: 'hashed-password', password: 'b' }],
      ['a password that is not a string', { type: 'hashed-password', 'auth-id': 'a', password: 12 }],
      ['hashed-password without a password', { type: 'hashed-password', 'auth-id': 'a' }],
      ['an unknown property', { ...password('a', 'b'), device: 'x' }],
      ['issuer-dn with hashed-password', { ...password('a', 'b'), 'issuer-dn': 'CN=ca' }],
      ['issuer-dn that is not a DN', { type: 'x509-cert', 'auth-id': 'CN=a', 'issuer-dn': 'not a DN' }],
      ['issuer-dn empty', { type: 'x509-cert', 'auth-id': 'CN=a', 'issuer-dn': '' }],
      ['issuer-dn not a string', { type: 'x509-cert', 'auth-id': 'CN=a', 'issuer-dn': ['CN=ca'] }],
    ];
    it.each(bodies)('400 for %s', async (_name, body) => {
      const { tenant } = await newDevice(api);
      const res = await authenticate(tenant, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    });

    it('a non-JSON body and a malformed tenant id are 400s', async () => {
      expect((await api.post('/v1/authenticate/t1', 'auth-id=a&password=b', { contentType: 'application/x-www-form-urlencoded' })).status).toBe(400);
      expect((await api.post('/v1/authenticate/bad%20tenant', password('a', 'b'))).status).toBe(400);
    });
  });

  describe('throttling', () => {
    it('repeated failures for one (tenant, auth-id) get 429 with Retry-After, even with the right password, and only for that auth-id', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('victim', 'right'), pwdPlain('bystander', 'right')]);
      const other = await newDevice(api);
      await putOk(other.tenant, other.device, [pwdPlain('victim', 'right')]);
      for (let i = 0; i < 5; i++) expectGeneric401(await authenticate(tenant, password('victim', `wrong-${i}`)));
      expectGeneric401(await authenticate(tenant, password('victim', 'wrong-again')));
      const blocked = await authenticate(tenant, password('victim', 'right'));
      expect(blocked.status).toBe(429);
      const retryAfter = Number(blocked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(30);
      expect(blocked.body).toEqual({ error: expect.any(String) });
      // another auth-id, the same auth-id in another tenant, and the operator are not affected
      expect((await authenticate(tenant, password('bystander', 'right'))).status).toBe(200);
      expect((await authenticate(other.tenant, password('victim', 'right'))).status).toBe(200);
      expect((await api.get(`/v1/devices/${tenant}/${device}`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
      expect((await authenticate(tenant, password('victim', 'right'))).status).toBe(200);
      // a success clears the count
      expectGeneric401(await authenticate(tenant, password('victim', 'wrong-after')));
      expect((await authenticate(tenant, password('victim', 'right'))).status).toBe(200);
    });

    it('device failures do not count toward the operator login throttle', async () => {
      const { tenant } = await newDevice(api);
      const operator = await createUser(t, { tenants: [{ tenant, access: 'read' }] });
      const client = http(t.baseUrl, basic(operator.username, operator.password));
      for (let i = 0; i < 12; i++) {
        const res = await authenticate(tenant, password(`ghost-${i}`, 'nope'), client);
        expect(res.status).toBe(401);
      }
      expect((await client.get('/api/me')).status).toBe(200);
    });

    it('parallel wrong passwords are counted before they are checked: of 30 at once, only the throttle\'s allowance gets a 401, the rest 429', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('parallel', 'right')]);
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => authenticate(tenant, password('parallel', `wrong-${i}`))));
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(allowedFailures((Date.now() - started) / 1000));
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(22);
      expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
      for (const res of answers.filter((answer) => answer.status === 429)) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });

    it('the same attempt sent 20 times at once shares its check: one answer for all, and a repeated wrong guess is not counted again', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('retried', 'right')]);
      const right = await Promise.all(Array.from({ length: 20 }, () => authenticate(tenant, password('retried', 'right'))));
      expect(right.map((res) => res.status)).toEqual(Array(20).fill(200));
      expect(new Set(right.map((res) => res.text)).size).toBe(1);
      // counted one by one, 20 copies of one guess would be 429s after the throttle's 5 free attempts
      const wrong = await Promise.all(Array.from({ length: 20 }, () => authenticate(tenant, password('retried', 'the-same-guess'))));
      expect(wrong.map((res) => res.status)).toEqual(Array(20).fill(401));
    });

    it('failures are counted per calling account: a read-only operator cannot lock the device out for the adapter', async () => {
      const { tenant, device } = await newDevice(api);
      await putOk(tenant, device, [pwdPlain('shared-device', 'right')]);
      const prober = await createUser(t, { tenants: [{ tenant, access: 'read' }] });
      const adapter = http(t.baseUrl, bearer(await createToken(t, await createUser(t, { tenants: [{ tenant, access: 'read' }] }), 'registry.adapter')));
      const probing = http(t.baseUrl, prober.auth);
      for (let i = 0; i < 6; i++) expectGeneric401(await authenticate(tenant, password('shared-device', `guess-${i}`), probing));
      expect((await authenticate(tenant, password('shared-device', 'right'), probing)).status).toBe(429);
      const res = await authenticate(tenant, password('shared-device', 'right'), adapter);
      expect(res.status).toBe(200);
      expect(res.body['device-id']).toBe(device);
      // and the prober's token without registry.adapter cannot even try
      const readOnly = http(t.baseUrl, bearer(await createToken(t, prober, 'auth')));
      expect((await authenticate(tenant, password('shared-device', 'right'), readOnly)).status).toBe(403);
    });
  });

  it('no password, hash or key reaches a log line', async () => {
    const { tenant, device } = await newDevice(api);
    const salt = randomSalt();
    const secrets = ['log-plain-password', 'log-psk-key', 'log-wrong-password'];
    const sha = shaHash('sha-256', 'log-sha-password', salt);
    await putOk(tenant, device, [
      pwdPlain('logged', secrets[0]),
      psk('logged-psk', secrets[1]),
      { type: 'hashed-password', 'auth-id': 'logged-sha', secrets: [{ 'hash-function': 'sha-256', 'pwd-hash': sha, salt: salt.toString('base64') }] },
    ]);
    await authenticate(tenant, password('logged', secrets[0]));
    await authenticate(tenant, password('logged', secrets[2]));
    await authenticate(tenant, password('logged-sha', 'log-sha-password'));
    await api.put(`/v1/credentials/${tenant}/${device}`, [pwdPlain('logged', secrets[0], { id: 'nope' })]);
    await api.get(`/v1/credentials/${tenant}/${device}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logs = t.logs.join('\n');
    expect(logs).toContain(`/v1/authenticate/${tenant}`);
    for (const value of [...secrets, 'log-sha-password', sha, salt.toString('base64'), Buffer.from(secrets[1]).toString('base64'), '$2a$04$']) {
      expect(logs).not.toContain(value);
    }
  });
});
