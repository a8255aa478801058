import { SecretCipher } from '@app/common';
import { PSK_KEY_INFO, pskAssociatedData } from './psk-keys';

describe('SecretCipher', () => {
  const key = 'k'.repeat(64);

  it('seals with a fresh IV each time and opens only with the same key and associated data', () => {
    const cipher = new SecretCipher(key, PSK_KEY_INFO);
    const plaintext = Buffer.from('the shared key');
    const a = cipher.seal(plaintext, pskAssociatedData('t1', 's1'));
    const b = cipher.seal(plaintext, pskAssociatedData('t1', 's1'));
    expect(a).toMatch(/^v1\.[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(cipher.open(a, pskAssociatedData('t1', 's1'))).toEqual(plaintext);
    expect(() => cipher.open(a, pskAssociatedData('t2', 's1'))).toThrow();
    expect(() => new SecretCipher('x'.repeat(64), PSK_KEY_INFO).open(a, pskAssociatedData('t1', 's1'))).toThrow();
    expect(() => new SecretCipher(key, 'another purpose').open(a, pskAssociatedData('t1', 's1'))).toThrow();
    const tampered = `v1.${Buffer.from(Buffer.from(a.slice(3), 'base64').map((byte, i) => (i === 40 ? byte ^ 1 : byte))).toString('base64')}`;
    expect(() => cipher.open(tampered, pskAssociatedData('t1', 's1'))).toThrow();
  });
});
