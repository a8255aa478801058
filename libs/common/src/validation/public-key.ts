import { createPublicKey } from 'node:crypto';
import { badRequest } from '../errors/registry-errors';

/**
 * A public key given as Base64 must be a DER SubjectPublicKeyInfo of the stated algorithm, as Hono's
 * KeyFactory check demands: Base64 of other bytes (Hono's test sends "NotBased64Encoded") is a 400.
 * `keyTypes` maps the algorithm names the field accepts to node's key types; `field` names the key's
 * property in messages (`public-key` of a trusted CA, `key` of a raw public key secret).
 */
export function checkPublicKey(
  key: string,
  algorithm: string,
  keyTypes: Readonly<Record<string, string[]>>,
  where: string,
  field: string,
): void {
  let keyType: string | undefined;
  try {
    keyType = createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyType;
  } catch {
    throw badRequest(`${where}.${field} is not a DER SubjectPublicKeyInfo`);
  }
  const expected = keyTypes[algorithm.toUpperCase()];
  if (!expected) throw badRequest(`${where}.algorithm "${algorithm}" is not supported`);
  if (!keyType || !expected.includes(keyType)) {
    throw badRequest(`${where}.${field} is ${keyType ? `an ${keyType.toUpperCase()} key` : 'a key'}, not ${algorithm}`);
  }
}
