import { randomBytes } from 'node:crypto';

/**
 * The timing guard for unknown names: a password for a user or auth-id that does not exist is verified
 * against a throw-away hash of the same algorithm and cost, so "no such name" takes as long as "wrong
 * password". The hash is made once, on first use, by the hasher it guards.
 */
export class DummyHash {
  private hash: Promise<string> | undefined;

  constructor(
    private readonly make: (secret: string) => Promise<string>,
    private readonly verify: (hash: string, password: string) => Promise<unknown>,
  ) {}

  async verifyNothing(password: string): Promise<false> {
    this.hash ??= this.make(randomBytes(16).toString('hex'));
    await this.verify(await this.hash, password).catch(() => undefined);
    return false;
  }
}
