import { distinguishedNameFromDer, DistinguishedNameError, normalizeDistinguishedName, summarizeCertificate } from '@app/common';
import { makeCertificate } from './tenants-helpers';

/**
 * The subject DN normaliser trusted CAs (and later x509 credentials) rely on. Expected values are what
 * Java's `new X500Principal(dn).getName(X500Principal.RFC2253)` prints, which is what Hono stores.
 */
describe('RFC 2253 subject DN normalisation', () => {
  it.each([
    ['CN=a, O=b', 'CN=a,O=b'],
    ['CN=a,O=b', 'CN=a,O=b'],
    ['cn=Device CA ,ou=iot; o=ACME', 'CN=Device CA,OU=iot,O=ACME'],
    ['  CN = spaced value  ,  O = x y ', 'CN=spaced value,O=x y'],
    ['st=Bavaria,s=Bavaria,street=Main St 1,l=Munich,c=DE', 'ST=Bavaria,ST=Bavaria,STREET=Main St 1,L=Munich,C=DE'],
    ['DC=example,DC=com,UID=jdoe', 'DC=example,DC=com,UID=jdoe'],
    ['CN="a,b",O=x', 'CN=a\\,b,O=x'],
    ['CN=a\\,b', 'CN=a\\,b'],
    ['CN=a\\+b\\;c\\<d\\>e\\"f\\\\g', 'CN=a\\+b\\;c\\<d\\>e\\"f\\\\g'],
    ['CN=\\#hash', 'CN=\\#hash'],
    ['CN=\\ padded\\ ', 'CN=\\ padded\\ '],
    ['CN=J\\C3\\BCrgen', 'CN=Jürgen'],
    ['CN=Jürgen', 'CN=Jürgen'],
    ['CN=a_b*c@d', 'CN=a_b*c@d'],
    ['CN=a+OU=b,O=c', 'CN=a+OU=b,O=c'],
    ['CN=a + OU=b', 'CN=a+OU=b'],
    ['2.5.4.3=x,OID.2.5.4.10=acme', 'CN=x,O=acme'],
    ['CN=#0c03616263', 'CN=abc'],
    ['CN=#020101', 'CN=#020101'],
    ['EMAILADDRESS=a@b.c,CN=x', '1.2.840.113549.1.9.1=#16056140622e63,CN=x'],
    ['SERIALNUMBER=123,CN=x', '2.5.4.5=#1303313233,CN=x'],
    ['T=Dr,CN=x', '2.5.4.12=#13024472,CN=x'],
    ['CN=', 'CN='],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDistinguishedName(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const dn of ['CN=a\\,b,O=x', 'CN=\\ padded\\ ', '1.2.840.113549.1.9.1=#16056140622e63,CN=x', 'CN=a+OU=b,O=c']) {
      expect(normalizeDistinguishedName(normalizeDistinguishedName(dn))).toBe(normalizeDistinguishedName(dn));
    }
  });

  it.each([
    [''],
    ['   '],
    ['not a dn'],
    ['CN'],
    ['FOO=bar'],
    ['CN=a,'],
    ['CN=a,,O=b'],
    ['=a'],
    ['CN=a=b'],
    ['CN=a#b'],
    ['CN="unterminated'],
    ['CN="quoted" trailing'],
    ['CN=\\zz'],
    ['CN=#abc'],
    ['CN=#0c05616263'],
    ['CN=\\ff\\fe'],
    ['3.1=x'],
    ['1.40=x'],
  ])('rejects %j', (input) => {
    expect(() => normalizeDistinguishedName(input)).toThrow(DistinguishedNameError);
  });

  it('reads a DER Name most specific RDN first', () => {
    // SEQUENCE { SET { SEQ { C, PrintableString "DE" } }, SET { SEQ { CN, UTF8String "x" } } }
    const name = Buffer.from('3019310b3009060355040613024445310a30080603550403' + '0c0178', 'hex');
    expect(distinguishedNameFromDer(name)).toBe('CN=x,C=DE');
    expect(() => distinguishedNameFromDer(name.subarray(0, 20))).toThrow(DistinguishedNameError);
    expect(() => distinguishedNameFromDer(Buffer.from('3000', 'hex'))).not.toThrow();
  });

  it('summarises a certificate: subject in Java order, multi-valued RDNs, UTF-8 values', () => {
    const certificate = makeCertificate('/C=DE/O=Ünïcode GmbH/OU=Ops+CN=Multi CA');
    const summary = summarizeCertificate(Buffer.from(certificate.cert, 'base64'));
    // DER sorts the SET of the multi-valued RDN by encoding: OU (shorter) before CN
    expect(summary.subjectDn).toBe('OU=Ops+CN=Multi CA,O=Ünïcode GmbH,C=DE');
    expect(summary.algorithm).toBe('EC');
    expect(summary.publicKey).toBe(certificate.publicKey);
    expect(summary.notBefore.toISOString().replace('.000', '')).toBe(certificate.notBefore);
    expect(summary.notAfter.toISOString().replace('.000', '')).toBe(certificate.notAfter);
  });
});
