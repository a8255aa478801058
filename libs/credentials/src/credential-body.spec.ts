import { RegistryError } from '@app/common';
import { generateKeyPairSync } from 'node:crypto';
import { mergeWithStored, normalizedSubjectDn, prepareCredentials, SecretTools, StoredCredential } from './credential-body';

const EC_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const BCRYPT_12 = `$2a$12$${'a'.repeat(53)}`;
const BCRYPT_10 = `$2a$10$${'a'.repeat(53)}`;

/** Hashing and sealing stand-ins that show what they were given. */
const tools: SecretTools = {
  bcryptCost: 10,
  hashPassword: async (password) => ({ 'hash-function': 'bcrypt', 'pwd-hash': `hashed(${password})` }),
  sealPskKey: (key, secretId) => `sealed(${key.toString('utf8')},${secretId})`,
};

async function refusal(body: Record<string, unknown>[]): Promise<string> {
  const error = await prepareCredentials(body, tools).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  expect((error as RegistryError).getStatus()).toBe(400);
  return (error as Error).message;
}

const password = (secret: Record<string, unknown>, authId = 'sensor1') => ({ type: 'hashed-password', 'auth-id': authId, secrets: [secret] });

describe('prepareCredentials', () => {
  it('pwd-plain is hashed (and wins over a hash sent with it); every secret gets an id', async () => {
    const [credential] = await prepareCredentials([password({ 'pwd-plain': 'secret', 'pwd-hash': 'ignored', comment: 'c' })], tools);
    expect(credential).toEqual({
      type: 'hashed-password',
      authId: 'sensor1',
      public: { type: 'hashed-password', 'auth-id': 'sensor1' },
      secrets: [
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          patches: false,
          public: { comment: 'c', id: credential.secrets[0].id },
          confidential: { 'hash-function': 'bcrypt', 'pwd-hash': 'hashed(secret)' },
          keep: 'nothing',
        },
      ],
    });
  });

  it('a pre-hashed password is kept as sent up to the bcrypt cost; SHA digests must be Base64', async () => {
    const [bcrypt] = await prepareCredentials([password({ 'hash-function': 'bcrypt', 'pwd-hash': BCRYPT_10 })], tools);
    expect(bcrypt.secrets[0].confidential).toEqual({ 'hash-function': 'bcrypt', 'pwd-hash': BCRYPT_10 });
    const [sha] = await prepareCredentials([password({ 'hash-function': 'sha-256', 'pwd-hash': 'AAAA', salt: 'c2FsdA==' })], tools);
    expect(sha.secrets[0].confidential).toEqual({ 'hash-function': 'sha-256', 'pwd-hash': 'AAAA', salt: 'c2FsdA==' });
  });

  it('a secret with an id and nothing new keeps what is on record', async () => {
    const [credential] = await prepareCredentials([password({ id: 's1', enabled: false })], tools);
    expect(credential.secrets[0]).toEqual({ id: 's1', patches: true, public: { id: 's1', enabled: false }, keep: 'confidential' });
  });

  it('PSK keys are sealed with their secret id', async () => {
    const [credential] = await prepareCredentials([{ type: 'psk', 'auth-id': 'p1', secrets: [{ id: 'k1', key: Buffer.from('shh').toString('base64') }] }], tools);
    expect(credential.secrets[0].confidential).toEqual({ key: 'sealed(shh,k1)' });
  });

  it('an x509 auth-id is normalised to RFC 2253; an RPK key must be of its algorithm', async () => {
    const [x509] = await prepareCredentials([{ type: 'x509-cert', 'auth-id': 'CN=Device 1, O=ACME', secrets: [{}] }], tools);
    expect(x509.authId).toBe('CN=Device 1,O=ACME');
    expect(x509.public['auth-id']).toBe('CN=Device 1,O=ACME');
    const [rpk] = await prepareCredentials([{ type: 'rpk', 'auth-id': 'r1', secrets: [{ key: EC_KEY, algorithm: 'EC' }] }], tools);
    expect(rpk.secrets[0].public).toMatchObject({ key: EC_KEY, algorithm: 'EC' });
  });

  it('a generic secret keeps its own properties in what GET shows', async () => {
    const [generic] = await prepareCredentials([{ type: 'custom', 'auth-id': 'g1', secrets: [{ token: 'x', 'not-after': '2027-01-01T00:00:00Z' }] }], tools);
    expect(generic.secrets[0].public).toEqual({ token: 'x', 'not-after': '2027-01-01T00:00:00Z', id: generic.secrets[0].id });
  });

  it.each([
    [[password({ 'hash-function': 'bcrypt', 'pwd-hash': BCRYPT_12 })], 'credentials[0].secrets[0].pwd-hash: bcrypt cost 12 exceeds the maximum of 10'],
    [[password({ 'hash-function': 'bcrypt', 'pwd-hash': 'not-bcrypt' })], 'credentials[0].secrets[0].pwd-hash is not a bcrypt hash ($2a$, $2b$ or $2y$)'],
    [[password({ 'hash-function': 'sha-512', 'pwd-hash': 'abc' })], 'credentials[0].secrets[0].pwd-hash must be the Base64 encoded sha-512 digest'],
    [[password({})], 'credentials[0].secrets[0]: pwd-plain, or hash-function and pwd-hash, are required'],
    [[password({ 'hash-function': 'sha-256' })], 'credentials[0].secrets[0]: pwd-hash is required with hash-function'],
    [[password({ 'pwd-plain': 'a', 'not-before': '2027-01-01T00:00:00Z', 'not-after': '2026-01-01T00:00:00Z' })], 'credentials[0].secrets[0]: not-before must not be after not-after'],
    [[password({ id: 's1', 'pwd-plain': 'a' }), password({ 'pwd-plain': 'b' }, 'sensor1')], 'credentials[1]: type hashed-password with auth-id "sensor1" is in the set twice'],
    [[{ type: 'hashed-password', 'auth-id': 's', secrets: [{ id: 'x', 'pwd-plain': 'a' }, { id: 'x', 'pwd-plain': 'b' }] }], 'credentials[0]: secret id "x" is used twice'],
    [[{ type: 'psk', 'auth-id': 'p1', secrets: [{}] }], 'credentials[0].secrets[0]: key is required'],
    [[{ type: 'rpk', 'auth-id': 'r1', secrets: [{ key: EC_KEY }] }], 'credentials[0].secrets[0]: algorithm is required with key'],
    [[{ type: 'rpk', 'auth-id': 'r1', secrets: [{ key: EC_KEY, algorithm: 'RSA' }] }], 'credentials[0].secrets[0].key is an EC key, not RSA'],
    [[{ type: 'rpk', 'auth-id': 'r1', secrets: [{ key: 'Tm9LZXk=', algorithm: 'EC' }] }], 'credentials[0].secrets[0].key is not a DER SubjectPublicKeyInfo'],
    [[{ type: 'rpk', 'auth-id': 'r1', secrets: [{ key: EC_KEY, algorithm: 'XYZ' }] }], 'credentials[0].secrets[0].algorithm "XYZ" is not supported'],
    [[{ type: 'rpk', 'auth-id': 'r1', secrets: [{}] }], 'credentials[0].secrets[0]: key and algorithm, or cert, are required'],
    [[{ type: 'x509-cert', secrets: [{}] }], 'credentials[0]: auth-id or cert is required'],
    [[{ type: 'x509-cert', 'auth-id': 'CN=a', secrets: [{}, {}] }], 'credentials[0]: an x509-cert credential has exactly one secret'],
    [[password({ 'pwd-plain': 'a' }, 'x'.repeat(1025))], 'credentials[0].auth-id is longer than 1024 bytes'],
  ])('case %# → 400', async (body, message) => {
    expect(await refusal(body as Record<string, unknown>[])).toBe(message);
  });
});

describe('normalizedSubjectDn', () => {
  it('a DN in RFC 2253 form; anything else as it is', () => {
    expect(normalizedSubjectDn('CN=Device 1, O=ACME')).toBe('CN=Device 1,O=ACME');
    expect(normalizedSubjectDn('device-1')).toBe('device-1');
  });
});

describe('mergeWithStored', () => {
  const stored: StoredCredential[] = [
    {
      type: 'hashed-password',
      auth_id: 'sensor1',
      body: { type: 'hashed-password', 'auth-id': 'sensor1', secrets: [{ id: 's1', comment: 'old' }] },
      confidential: { s1: { 'hash-function': 'bcrypt', 'pwd-hash': 'on-record' } },
    },
  ];

  it('a secret patched by id keeps its hash; positions follow the body', async () => {
    const prepared = await prepareCredentials([password({ 'pwd-plain': 'new' }, 'sensor2'), password({ id: 's1', comment: 'new' })], tools);
    const rows = mergeWithStored(prepared, stored);
    expect(rows.map((row) => [row.auth_id, row.position])).toEqual([
      ['sensor2', 0],
      ['sensor1', 1],
    ]);
    expect(rows[1]).toEqual({
      type: 'hashed-password',
      auth_id: 'sensor1',
      position: 1,
      body: { type: 'hashed-password', 'auth-id': 'sensor1', secrets: [{ id: 's1', comment: 'new' }] },
      confidential: { s1: { 'hash-function': 'bcrypt', 'pwd-hash': 'on-record' } },
    });
  });

  it('an id that is not on record for that credential is a 400', async () => {
    const prepared = await prepareCredentials([password({ id: 's9' })], tools);
    expect(() => mergeWithStored(prepared, stored)).toThrow('secret id "s9" is not on record for type hashed-password with auth-id "sensor1"');
    const other = await prepareCredentials([password({ id: 's1' }, 'sensor2')], tools);
    expect(() => mergeWithStored(other, stored)).toThrow('secret id "s1" is not on record for type hashed-password with auth-id "sensor2"');
  });
});
