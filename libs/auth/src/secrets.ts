import { DummyHash } from '@app/common';
import { hash, verify } from '@node-rs/argon2';
import { hash as digest, randomBytes } from 'node:crypto';

/** argon2id with OWASP's minimum parameters; hashing and verifying run on the libuv pool, not the event loop. */
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

const dummy = new DummyHash(hashPassword, verifyPassword);

/** Verifies against a throw-away hash, so an unknown user costs as much as a wrong password. */
export const verifyNothing = (password: string): Promise<false> => dummy.verifyNothing(password);

export { sha256 } from '@app/common';

/**
 * A keyed hash (SHA-256 of the secret key and the value): cache keys that reveal nothing about the
 * credential even in a heap dump. It runs on every request, so it is one call with no HMAC object;
 * the keys are never shown to anyone, so length extension is no concern.
 */
export const keyedHash = (key: string, value: string): string => digest('sha256', `${key}\u0000${value}`, 'base64url');

/** OVMS API tokens: 64 lowercase hex characters. */
export const newApiToken = (): string => randomBytes(32).toString('hex');

export const newSessionId = (): string => randomBytes(32).toString('base64url');

export const looksLikeApiToken = (value: string): boolean => /^[0-9a-f]{64}$/.test(value);
