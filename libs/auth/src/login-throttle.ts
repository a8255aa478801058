import { foldUsername } from './users/users.repository';

interface Failures {
  count: number;
  first: number;
  blockedUntil: number;
}

interface Policy {
  /** Failures allowed within the window before blocking starts. */
  free: number;
  windowMs: number;
  /** Longest block; each further failure doubles the block up to this. */
  maxBlockMs: number;
}

const BY_USERNAME: Policy = { free: 5, windowMs: 15 * 60_000, maxBlockMs: 30_000 };
const BY_ADDRESS: Policy = { free: 20, windowMs: 15 * 60_000, maxBlockMs: 60_000 };
const MAX_KEYS = 50_000;

/**
 * Slows down password guessing per username and per client address: after a few failures each
 * further one blocks for longer (1 s, 2 s, 4 s … up to 30 s for a username), so an attacker gets few
 * tries while the real user is never locked out for more than half a minute.
 */
export class LoginThrottle {
  private readonly usernames = new Map<string, Failures>();
  private readonly addresses = new Map<string, Failures>();

  /** Seconds until this username or address may try again; 0 when it may now. */
  retryAfter(username: string | undefined, address: string): number {
    const now = Date.now();
    const blocked = Math.max(
      username === undefined ? 0 : (this.usernames.get(foldUsername(username))?.blockedUntil ?? 0),
      this.addresses.get(address)?.blockedUntil ?? 0,
    );
    return blocked > now ? Math.ceil((blocked - now) / 1000) : 0;
  }

  failure(username: string | undefined, address: string): void {
    if (username !== undefined) this.record(this.usernames, foldUsername(username), BY_USERNAME);
    this.record(this.addresses, address, BY_ADDRESS);
  }

  success(username: string): void {
    this.usernames.delete(foldUsername(username));
  }

  private record(map: Map<string, Failures>, key: string, policy: Policy): void {
    const now = Date.now();
    let failures = map.get(key);
    if (!failures || now - failures.first > policy.windowMs) {
      if (map.size >= MAX_KEYS) map.delete(map.keys().next().value!);
      failures = { count: 0, first: now, blockedUntil: 0 };
      map.set(key, failures);
    }
    failures.count += 1;
    if (failures.count > policy.free) {
      const block = Math.min(1000 * 2 ** (failures.count - policy.free - 1), policy.maxBlockMs);
      failures.blockedUntil = now + block;
    }
  }
}
