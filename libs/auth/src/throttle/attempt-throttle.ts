import { SECRET_KEY, tooManyRequests } from '@app/common';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { keyedHash } from '../secrets';
import { KnownAddress, ThrottlePolicy, ThrottleRepository } from './throttle.repository';

/** Per username, from addresses that never logged in as that user: 5 free, then 1 s, 2 s … 30 s. */
const BY_USERNAME: ThrottlePolicy = { free: 5, maxBlockSeconds: 30 };
/** Per username and address that logged in as that user before: the owner's own count. */
const BY_KNOWN_ADDRESS: ThrottlePolicy = { free: 5, maxBlockSeconds: 30 };
/** Per client address, whatever the username: 20 free, then up to 60 s. */
const BY_ADDRESS: ThrottlePolicy = { free: 20, maxBlockSeconds: 60 };
/** Per calling account, tenant and device auth-id: 5 free, then up to 30 s. */
const BY_DEVICE: ThrottlePolicy = { free: 5, maxBlockSeconds: 30 };

const PURGE_EVERY_MS = 60_000;

/** The (username, address) pair a blocked hint is kept under. */
const pairOf = (usernameFolded: string, address: string) => `${usernameFolded}\u0000${address}`;
const MAX_BLOCKED_HINTS = 10_000;

/** A counted attempt, to be reported as a success once its secret verified. */
export interface Attempt {
  keys: string[];
  known?: KnownAddress;
  /** The (username, address) pair of an operator's attempt, for the blocked hints. */
  pair?: string;
}

/**
 * The one throttle for guessable secrets: operators' passwords and devices' credentials, each with
 * their own keys. Every attempt is counted in PostgreSQL before its secret is checked (one statement),
 * so parallel guesses and guesses spread over several instances are throttled like serial ones; a
 * refused attempt answers 429 with Retry-After. Keys are keyed hashes: the table holds no usernames
 * or addresses.
 */
@Injectable()
export class AttemptThrottle implements OnModuleInit, OnModuleDestroy {
  /**
   * (username, address) pairs this instance saw blocked, until when. Cached logins skip the database,
   * so without this a guesser whose attempts are refused could still try the right password against
   * the cache; with it the cache answers only where nothing is blocked. A hint, never a decision.
   */
  private readonly blocked = new Map<string, number>();
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly throttle: ThrottleRepository,
    @Inject(SECRET_KEY) private readonly secretKey: string,
  ) {}

  /**
   * Before an operator's password is verified. From an address that logged in as this user before, the
   * attempt counts only for that pair, so a stranger's failures elsewhere never lock the owner out there;
   * from any other address it counts for the username and for the address. Throws 429 when refused.
   */
  async beforeOperatorPassword(usernameFolded: string, address: string): Promise<Attempt> {
    const addressKey = this.hash('address', address);
    const userKey = this.hash('user', usernameFolded);
    const pairKey = this.hash('user-at', usernameFolded, address);
    const known = { usernameFolded, addressHash: addressKey };
    const pair = pairOf(usernameFolded, address);
    const outcome = await this.throttle.count(
      [
        { key: userKey, policy: BY_USERNAME, scope: 'stranger' },
        { key: addressKey, policy: BY_ADDRESS, scope: 'stranger' },
        { key: pairKey, policy: BY_KNOWN_ADDRESS, scope: 'known' },
      ],
      known,
    );
    if (outcome.retryAfter > 0) this.hint(pair, outcome.retryAfter);
    if (!outcome.allowed) throw tooManyRequests(outcome.retryAfter);
    // a success clears the user's own count, never the address's (a guesser with an account of its own could reset it)
    return { keys: [outcome.known ? pairKey : userKey], known, pair };
  }

  /** An API token that matched nothing: counted for the client address (tokens are not guessable, but lookups cost). */
  async afterFailedToken(address: string): Promise<void> {
    const outcome = await this.throttle.count([{ key: this.hash('address', address), policy: BY_ADDRESS }]);
    if (!outcome.allowed) throw tooManyRequests(outcome.retryAfter);
  }

  /**
   * Before a device's credentials are checked for a calling account (a protocol adapter): counted per
   * account, tenant and auth-id, so one account's failures never lock the device out for the others,
   * and never by address (all devices come through the same few adapters). Throws 429 when refused.
   */
  async beforeDeviceCheck(accountId: string, tenantId: string, authId: string): Promise<Attempt> {
    const key = this.hash('device', accountId, tenantId, authId);
    const outcome = await this.throttle.count([{ key, policy: BY_DEVICE }]);
    if (!outcome.allowed) throw tooManyRequests(outcome.retryAfter);
    return { keys: [key] };
  }

  /** The attempt's secret verified: its count starts again, and an operator's address becomes known. */
  async succeeded(attempt: Attempt): Promise<void> {
    await this.throttle.succeeded(attempt.keys, attempt.known);
    if (attempt.pair) this.blocked.delete(attempt.pair);
  }

  /** Whether a login the credential cache holds may be answered from it for this address. */
  allowsCached(usernameFolded: string, address: string): boolean {
    if (this.blocked.size === 0) return true;
    const id = pairOf(usernameFolded, address);
    const until = this.blocked.get(id);
    if (until === undefined) return true;
    if (until > Date.now()) return false;
    this.blocked.delete(id);
    return true;
  }

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purge().catch(() => undefined), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  purge(): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.blocked) if (until <= now) this.blocked.delete(id);
    return this.throttle.purge();
  }

  private hint(pair: string, seconds: number): void {
    if (this.blocked.size >= MAX_BLOCKED_HINTS) this.blocked.delete(this.blocked.keys().next().value!);
    this.blocked.set(pair, Date.now() + seconds * 1000);
  }

  private hash(...parts: string[]): string {
    return keyedHash(this.secretKey, `throttle\u0000${parts.join('\u0000')}`);
  }
}
