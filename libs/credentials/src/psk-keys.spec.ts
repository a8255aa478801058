import { SecretCipher } from '@app/common';
import { PSK_KEY_INFO, pskAssociatedData } from './psk-keys';

describe('PSK keys at rest', () => {
  const key = 'k'.repeat(64);

  it('a sealed PSK key opens only for its own tenant and secret id, and only with the PSK purpose', () => {
    const cipher = new SecretCipher(key, PSK_KEY_INFO);
    const sealed = cipher.seal(Buffer.from('the shared key'), pskAssociatedData('t1', 's1'));
    expect(cipher.open(sealed, pskAssociatedData('t1', 's1'))).toEqual(Buffer.from('the shared key'));
    expect(() => cipher.open(sealed, pskAssociatedData('t2', 's1'))).toThrow();
    expect(() => cipher.open(sealed, pskAssociatedData('t1', 's2'))).toThrow();
    expect(pskAssociatedData('t1', 's1')).toBe('psk\u0000t1\u0000s1');
    expect(() => new SecretCipher(key, 'another purpose').open(sealed, pskAssociatedData('t1', 's1'))).toThrow();
  });
});
