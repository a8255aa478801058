import { SecretCipher } from './secret-cipher';

describe('SecretCipher', () => {
  const key = 'k'.repeat(64);
  const INFO = 'device-registry test secrets v1';
  /** Associated data as the callers build it: what a sealed value is bound to (here a tenant and a secret id). */
  const boundTo = (tenantId: string, secretId: string) => `test\u0000${tenantId}\u0000${secretId}`;

  it('seals with a fresh IV each time and opens only with the same key and associated data', () => {
    const cipher = new SecretCipher(key, INFO);
    const plaintext = Buffer.from('the shared key');
    const a = cipher.seal(plaintext, boundTo('t1', 's1'));
    const b = cipher.seal(plaintext, boundTo('t1', 's1'));
    expect(a).toMatch(/^v1\.[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(cipher.open(a, boundTo('t1', 's1'))).toEqual(plaintext);
    expect(() => cipher.open(a, boundTo('t2', 's1'))).toThrow();
    expect(() => new SecretCipher('x'.repeat(64), INFO).open(a, boundTo('t1', 's1'))).toThrow();
    expect(() => new SecretCipher(key, 'another purpose').open(a, boundTo('t1', 's1'))).toThrow();
    const tampered = `v1.${Buffer.from(Buffer.from(a.slice(3), 'base64').map((byte, i) => (i === 40 ? byte ^ 1 : byte))).toString('base64')}`;
    expect(() => cipher.open(tampered, boundTo('t1', 's1'))).toThrow();
  });
});
