import { generateKeyPairSync } from 'node:crypto';
import { RegistryError } from '../errors/registry-errors';
import { SIGNING_KEY_TYPES } from '../x500/key-types';
import { isHttpUrl } from './http-url';
import { isJsonObject } from './json-object';
import { checkPublicKey } from './public-key';
import { checkValidityPeriod } from './validity-period';
import { writtenVersion } from './write-outcome';

function failure(work: () => unknown): { status: number; message: string } {
  try {
    work();
  } catch (error) {
    if (error instanceof RegistryError) return { status: error.getStatus(), message: error.message };
    throw error;
  }
  throw new Error('expected a RegistryError');
}

const spki = (type: 'ec' | 'rsa') =>
  (type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 1024 })).publicKey
    .export({ format: 'der', type: 'spki' })
    .toString('base64');

describe('writtenVersion', () => {
  it('maps ok, missing and version-mismatch the same for every resource', () => {
    expect(writtenVersion({ outcome: 'ok', version: 'v1' }, 'tenant t')).toBe('v1');
    expect(failure(() => writtenVersion({ outcome: 'missing' }, 'device d of tenant t'))).toEqual({ status: 404, message: 'device d of tenant t not found' });
    expect(failure(() => writtenVersion({ outcome: 'version-mismatch' }, 'tenant t')).status).toBe(412);
  });

  it("leaves a resource's own outcomes to the caller", () => {
    const outcome = { outcome: 'alias-taken' } as { outcome: 'ok'; version: string } | { outcome: 'alias-taken' };
    expect(failure(() => writtenVersion(outcome, 'tenant t', () => new RegistryError(409, 'taken')))).toEqual({ status: 409, message: 'taken' });
    expect(() => writtenVersion(outcome, 'tenant t')).toThrow(/unexpected write outcome alias-taken/);
  });
});

describe('checkPublicKey', () => {
  const ec = spki('ec');
  const rsa = spki('rsa');

  it('accepts a key of the stated algorithm, in any case', () => {
    expect(() => checkPublicKey(ec, 'ec', SIGNING_KEY_TYPES, 'x', 'key')).not.toThrow();
    expect(() => checkPublicKey(rsa, 'RSA', SIGNING_KEY_TYPES, 'x', 'key')).not.toThrow();
  });

  it('names the field, the key found and the algorithm expected', () => {
    expect(failure(() => checkPublicKey(Buffer.from('NotBased64Encoded').toString('base64'), 'RSA', SIGNING_KEY_TYPES, 'ca[0]', 'public-key'))).toEqual({
      status: 400,
      message: 'ca[0].public-key is not a DER SubjectPublicKeyInfo',
    });
    expect(failure(() => checkPublicKey(ec, 'RSA', SIGNING_KEY_TYPES, 'ca[0]', 'public-key')).message).toBe('ca[0].public-key is an EC key, not RSA');
    expect(failure(() => checkPublicKey(rsa, 'ROT13', SIGNING_KEY_TYPES, 's', 'key')).message).toBe('s.algorithm "ROT13" is not supported');
  });
});

describe('checkValidityPeriod', () => {
  it('refuses not-before after not-after and nothing else', () => {
    expect(() => checkValidityPeriod({ 'not-before': '2020-01-01T00:00:00Z', 'not-after': '2020-01-01T00:00:00Z' }, 's')).not.toThrow();
    expect(() => checkValidityPeriod({ 'not-before': '2020-01-01T00:00:00Z' }, 's')).not.toThrow();
    expect(() => checkValidityPeriod({}, 's')).not.toThrow();
    expect(failure(() => checkValidityPeriod({ 'not-before': '2020-01-02T00:00:00+01:00', 'not-after': '2020-01-01T00:00:00Z' }, 's'))).toEqual({
      status: 400,
      message: 's: not-before must not be after not-after',
    });
  });
});

describe('isHttpUrl and isJsonObject', () => {
  it('takes absolute http(s) URLs of at most 255 characters', () => {
    expect(isHttpUrl('https://peer.example.com/ocpi/versions')).toBe(true);
    expect(isHttpUrl('http://10.0.0.1:8080/')).toBe(true);
    for (const bad of ['ftp://x.example/', 'https://', '/relative', `https://x.example/${'a'.repeat(240)}`, 5, null]) expect([bad, isHttpUrl(bad)]).toEqual([bad, false]);
  });

  it('an object is neither an array nor null', () => {
    expect([{}, [], null, 'x'].map(isJsonObject)).toEqual([true, false, false, false]);
  });
});
