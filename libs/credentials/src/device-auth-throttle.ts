interface Failures {
  count: number;
  first: number;
  blockedUntil: number;
}

const FREE_FAILURES = 5;
const WINDOW_MS = 15 * 60_000;
const MAX_BLOCK_MS = 30_000;
const MAX_KEYS = 100_000;

/**
 * Slows down guessing of one device's password: per (tenant, auth-id), 5 failures within 15 minutes are
 * free, then each further failure blocks that auth-id for 1 s, 2 s, 4 s … at most 30 s. It is keyed by
 * the device's identity only, never by the caller's address: every device reaches us through the same
 * few protocol adapters. Separate from the operator login throttle.
 */
export class DeviceAuthThrottle {
  private readonly failures = new Map<string, Failures>();

  /** Seconds until this auth-id may be tried again; 0 when it may now. */
  retryAfter(tenantId: string, authId: string): number {
    const blocked = this.failures.get(keyOf(tenantId, authId))?.blockedUntil ?? 0;
    const now = Date.now();
    return blocked > now ? Math.ceil((blocked - now) / 1000) : 0;
  }

  failure(tenantId: string, authId: string): void {
    const key = keyOf(tenantId, authId);
    const now = Date.now();
    let failures = this.failures.get(key);
    if (!failures || now - failures.first > WINDOW_MS) {
      if (this.failures.size >= MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
      failures = { count: 0, first: now, blockedUntil: 0 };
      this.failures.set(key, failures);
    }
    failures.count += 1;
    if (failures.count > FREE_FAILURES) {
      failures.blockedUntil = now + Math.min(1000 * 2 ** (failures.count - FREE_FAILURES - 1), MAX_BLOCK_MS);
    }
  }

  success(tenantId: string, authId: string): void {
    this.failures.delete(keyOf(tenantId, authId));
  }
}

const keyOf = (tenantId: string, authId: string) => `${tenantId}\u0000${authId}`;
