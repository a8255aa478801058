import { DummyHash } from '@app/common';
import { compare, hash } from 'bcrypt';
import { createHash, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';

export const HASH_FUNCTIONS = ['bcrypt', 'sha-256', 'sha-512'] as const;
export type HashFunction = (typeof HASH_FUNCTIONS)[number];

/** A password secret's confidential part, as stored. */
export interface PasswordHash {
  'hash-function': HashFunction;
  'pwd-hash': string;
  /** Base64; the SHA functions prepend it to the password (bcrypt carries its own). */
  salt?: string;
}

/** `$2a$`, `$2b$` and `$2y$` are the same algorithm; the cost is the two digits after the prefix. */
const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** The cost of a bcrypt hash, or undefined when the text is not one. */
export function bcryptCost(passwordHash: string): number | undefined {
  const match = BCRYPT_HASH.exec(passwordHash);
  if (!match) return undefined;
  const cost = Number(match[1]);
  return cost >= 4 && cost <= 31 ? cost : undefined;
}

/**
 * Hashing and verifying device passwords. bcrypt runs on libuv's thread pool (never on the event
 * loop), and at most one core less than the machine has does bcrypt at a time, so that reads keep a
 * core to themselves while passwords are written or checked at full speed.
 */
export class PasswordHashing {
  /** Runs at most that many bcrypt calls at once; the rest wait in order. */
  private readonly limit = pLimit(Math.max(1, availableParallelism() - 1));
  private readonly dummy = new DummyHash(
    (secret) => hash(secret, this.cost),
    (stored, password) => this.limit(() => compare(password, stored)),
  );

  constructor(private readonly cost: number) {}

  /** Hono stores `$2a$` (Spring's BCrypt); node's bcrypt writes `$2b$`, the same algorithm. */
  async hash(password: string): Promise<PasswordHash> {
    const hashed = await this.limit(() => hash(password, this.cost));
    return { 'hash-function': 'bcrypt', 'pwd-hash': hashed.replace(/^\$2b\$/, '$2a$') };
  }

  async verify(password: string, stored: PasswordHash): Promise<boolean> {
    switch (stored['hash-function']) {
      case 'bcrypt':
        // node's bcrypt knows $2a$ and $2b$ only
        return this.limit(() => compare(password, stored['pwd-hash'].replace(/^\$2y\$/, '$2b$'))).catch(() => false);
      case 'sha-256':
      case 'sha-512':
        return verifySha(stored['hash-function'], password, stored);
      default:
        return false;
    }
  }

  /** As costly as checking a bcrypt password, for unknown auth-ids (so timing does not tell them apart). */
  verifyNothing(password: string): Promise<false> {
    return this.dummy.verifyNothing(password);
  }
}

/** Hono: `pwd-hash` = Base64(SHA-xxx(salt bytes ‖ UTF-8 password)). */
function verifySha(fn: 'sha-256' | 'sha-512', password: string, stored: PasswordHash): boolean {
  const digest = createHash(fn === 'sha-256' ? 'sha256' : 'sha512');
  if (stored.salt) digest.update(Buffer.from(stored.salt, 'base64'));
  const actual = digest.update(password, 'utf8').digest();
  const expected = Buffer.from(stored['pwd-hash'], 'base64');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
