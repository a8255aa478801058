import { RegistryError } from '@app/common';
import { generateKeyPairSync } from 'node:crypto';
import { makeCertificate } from '../../../test/tenants-helpers';
import { storableTenant } from './tenant-body';

const spki = (type: 'rsa' | 'ec') =>
  (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 1024 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })).publicKey
    .export({ format: 'der', type: 'spki' })
    .toString('base64');
const RSA_KEY = spki('rsa');
const EC_KEY = spki('ec');

const ca = (fields: Record<string, unknown> = {}) => ({
  'subject-dn': 'CN=Example CA, O=ACME',
  'public-key': RSA_KEY,
  'not-before': '2026-01-01T00:00:00Z',
  'not-after': '2027-01-01T00:00:00Z',
  ...fields,
});

function refusal(input: Record<string, unknown>): string {
  try {
    storableTenant(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).getStatus()).toBe(400);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('storableTenant', () => {
  it('keeps the body as sent, with no defaults, and derives the columns', () => {
    expect(storableTenant({ enabled: false, ext: { a: 1 } })).toEqual({ body: { enabled: false, ext: { a: 1 } }, alias: null, trustAnchorGroup: null, subjectDns: [] });
    expect(storableTenant({ alias: 'acme', 'trust-anchor-group': 'g1' })).toMatchObject({ alias: 'acme', trustAnchorGroup: 'g1' });
    expect(storableTenant({ 'trust-anchor-group': '' }).trustAnchorGroup).toBeNull();
  });

  it("the seed's limits become resource-limits; both at once is a 400", () => {
    expect(storableTenant({ limits: { 'max-connections': 5 } }).body).toEqual({ 'resource-limits': { 'max-connections': 5 } });
    expect(refusal({ limits: {}, 'resource-limits': {} })).toBe('limits and resource-limits must not both be given');
  });

  it('an adapter type once only', () => {
    expect(storableTenant({ adapters: [{ type: 'hono-mqtt' }, { type: 'hono-http' }] }).body.adapters).toHaveLength(2);
    expect(refusal({ adapters: [{ type: 'hono-mqtt' }, { type: 'hono-mqtt' }] })).toBe('adapters: type "hono-mqtt" is configured more than once');
  });

  // (a single trusted CA object becomes a list in the DTO's transform, before storableTenant: test/tenants-trusted-ca.spec.ts)
  it('a trusted CA gets an id and its subject DN in RFC 2253 form', () => {
    const { body, subjectDns } = storableTenant({ 'trusted-ca': [ca()] });
    const [stored] = body['trusted-ca'] as Record<string, unknown>[];
    expect(stored).toEqual({ ...ca(), 'subject-dn': 'CN=Example CA,O=ACME', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(subjectDns).toEqual(['CN=Example CA,O=ACME']);
    expect((storableTenant({ 'trusted-ca': [ca({ id: 'mine' })] }).body['trusted-ca'] as Record<string, unknown>[])[0].id).toBe('mine');
  });

  it('subject DNs are listed once however many CAs share one', () => {
    expect(storableTenant({ 'trusted-ca': [ca({ id: 'a' }), ca({ id: 'b', 'subject-dn': 'CN=Example CA,O=ACME' })] }).subjectDns).toEqual(['CN=Example CA,O=ACME']);
  });

  it.each([
    [{ 'trusted-ca': [ca({ id: 'x' }), ca({ id: 'x' })] }, 'trusted-ca: id "x" is used more than once'],
    [{ 'trusted-ca': [{ 'subject-dn': 'CN=x' }] }, 'trusted-ca[0] needs cert, or public-key, not-before, not-after'],
    [{ 'trusted-ca': [ca({ 'not-before': '2028-01-01T00:00:00Z' })] }, 'trusted-ca[0]: not-before must not be after not-after'],
    [{ 'trusted-ca': [ca({ 'public-key': 'Tm90QUtleQ==' })] }, 'trusted-ca[0].public-key is not a DER SubjectPublicKeyInfo'],
    [{ 'trusted-ca': [ca({ 'public-key': EC_KEY })] }, 'trusted-ca[0].public-key is an EC key, not RSA'],
    [{ 'trusted-ca': [ca({ 'public-key': RSA_KEY, algorithm: 'EC' })] }, 'trusted-ca[0].public-key is an RSA key, not EC'],
    [{ 'trusted-ca': [ca({ 'ocsp-revocation-enabled': true })] }, 'trusted-ca[0]: OCSP revocation checks need cert or ocsp-responder-cert'],
    [{ 'trusted-ca': [ca({ 'subject-dn': `CN=${'x'.repeat(1100)}` })] }, 'trusted-ca[0].subject-dn is too long'],
  ])('case %# → 400', (input, message) => {
    expect(refusal(input)).toBe(message);
  });

  it('an EC key with algorithm EC is taken; templates are checked', () => {
    expect(() => storableTenant({ 'trusted-ca': [ca({ 'public-key': EC_KEY, algorithm: 'EC' })] })).not.toThrow();
    expect(refusal({ 'trusted-ca': [ca({ 'auth-id-template': '{{subject-xx}}' })] })).toBe(
      'trusted-ca[0].auth-id-template has unsupported placeholders {{subject-xx}} (supported: {{subject-dn}}, {{subject-cn}}, {{subject-ou}}, {{subject-o}})',
    );
    expect(refusal({ 'trusted-ca': [ca({ 'subject-dn': 'not a dn' })] })).toBe('trusted-ca[0].subject-dn is not an RFC 2253 distinguished name: "not a dn" is not an attribute=value pair');
  });

  it('a trusted CA given as a certificate: subject DN, key, algorithm and validity come from it, the certificate goes', () => {
    const certificate = makeCertificate('/C=NL/O=Example, Inc./CN=Example EC CA', 'ec');
    const { body, subjectDns } = storableTenant({ 'trusted-ca': [{ id: 'from-cert', cert: certificate.cert, 'subject-dn': 'CN=Ignored', 'subject-dn-bytes': 'eA==' }] });
    expect(body['trusted-ca']).toEqual([
      {
        id: 'from-cert',
        'subject-dn': 'CN=Example EC CA,O=Example\\, Inc.,C=NL',
        'public-key': certificate.publicKey,
        algorithm: 'EC',
        'not-before': certificate.notBefore,
        'not-after': certificate.notAfter,
      },
    ]);
    expect(subjectDns).toEqual(['CN=Example EC CA,O=Example\\, Inc.,C=NL']);
    // a subject DN sent beside the certificate is not used, but it must still be one
    expect(refusal({ 'trusted-ca': [{ cert: certificate.cert, 'subject-dn': 'not a dn' }] })).toMatch(/^trusted-ca\[0\]\.subject-dn is not an RFC 2253 distinguished name/);
    expect(refusal({ 'trusted-ca': [{ cert: 'bm90IGEgY2VydGlmaWNhdGU=' }] })).toMatch(/^trusted-ca\[0\]\.cert: /);
  });

  it('does not change its input', () => {
    const input = { limits: {}, 'trusted-ca': [ca()] };
    const copy = structuredClone(input);
    storableTenant(input);
    expect(input).toEqual(copy);
  });
});
