import { Database, FOREIGN_KEY_VIOLATION, pgErrorCode } from '@app/database';
import { Injectable } from '@nestjs/common';
import { AuthThrottleEntity, OperatorKnownAddressEntity } from '../entities/throttle.entity';

/** How many attempts one key gets free within the window, and the longest block after that. */
export interface ThrottlePolicy {
  free: number;
  maxBlockSeconds: number;
}

/** Which attempts a key counts: all, or only those from an address that is (or is not) known for the user. */
export type KeyScope = 'always' | 'known' | 'stranger';

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
  scope?: KeyScope;
}

/** A user and an address that logged in as them before (hashed). */
export interface KnownAddress {
  usernameFolded: string;
  addressHash: string;
}

export interface CountOutcome {
  /** Every key that applied counted the attempt: it may be verified. */
  allowed: boolean;
  /** Seconds until the refusing (or now blocking) keys let attempts through again; 0 when none blocks. */
  retryAfter: number;
  /** The address had logged in as the user before (only with a `known` argument). */
  known: boolean;
  /** The keys that applied to this attempt. */
  keys: string[];
}

/** Failures within this window count; a quiet window starts the count again. */
export const THROTTLE_WINDOW_SECONDS = 15 * 60;
/** An address stays known for a user this long after its last password login. */
export const KNOWN_ADDRESS_DAYS = 30;

/**
 * One statement per attempt, before its secret is verified: each key's row is created or counted up
 * under its row lock, so parallel attempts are counted one after the other, on every instance. A key
 * that is blocked refuses the attempt and does not count it; after `free` attempts in the window each
 * counted attempt blocks the key for 1 s, 2 s, 4 s … up to the policy's maximum.
 */
const COUNT_ATTEMPT = `
WITH known AS (
  SELECT EXISTS (SELECT 1 FROM operator_known_addresses
                  WHERE username_folded = $5 AND address_hash = $6 AND last_success > now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})) AS yes
),
wanted AS (
  SELECT w.key, w.free, w.max_block
    FROM unnest($1::text[], $2::int[], $3::int[], $4::text[]) AS w(key, free, max_block, scope), known
   WHERE w.scope = 'always' OR (w.scope = 'known') = known.yes
),
counted AS (
  INSERT INTO auth_throttle AS t (key, attempts, window_start, blocked_until)
  SELECT key, 1, now(), CASE WHEN free < 1 THEN now() + make_interval(secs => least(1, max_block)) ELSE '-infinity' END
    FROM wanted ORDER BY key
  ON CONFLICT (key) DO UPDATE SET
    attempts = CASE WHEN t.window_start <= now() - make_interval(secs => ${THROTTLE_WINDOW_SECONDS}) THEN 1 ELSE t.attempts + 1 END,
    window_start = CASE WHEN t.window_start <= now() - make_interval(secs => ${THROTTLE_WINDOW_SECONDS}) THEN now() ELSE t.window_start END,
    blocked_until = (
      SELECT CASE WHEN n.attempts > w.free THEN now() + make_interval(secs => least(power(2, least(n.attempts - w.free - 1, 30)), w.max_block)) ELSE '-infinity' END
        FROM wanted w,
             (SELECT CASE WHEN t.window_start <= now() - make_interval(secs => ${THROTTLE_WINDOW_SECONDS}) THEN 1 ELSE t.attempts + 1 END AS attempts) n
       WHERE w.key = t.key)
  WHERE t.blocked_until <= now() OR t.window_start <= now() - make_interval(secs => ${THROTTLE_WINDOW_SECONDS})
  RETURNING t.key, t.blocked_until
)
SELECT w.key, c.key IS NOT NULL AS counted, (SELECT yes FROM known) AS known,
       (SELECT CASE WHEN b.until > now() THEN ceil(extract(epoch FROM b.until - now()))::int ELSE 0 END
          FROM (SELECT COALESCE(c.blocked_until, s.blocked_until, now()) AS until) b) AS wait
  FROM wanted w LEFT JOIN counted c ON c.key = w.key LEFT JOIN auth_throttle s ON s.key = w.key`;

/** Every query on the shared throttle state (`auth_throttle`, unlogged) and the addresses known for a user. */
@Injectable()
export class ThrottleRepository {
  constructor(private readonly db: Database) {}

  // hand-written: one statement per attempt (an upsert of every key whose SET and RETURNING read the others), which the QueryBuilder cannot say
  async count(keys: ThrottleKey[], known?: KnownAddress): Promise<CountOutcome> {
    const result = await this.db.query<{ key: string; counted: boolean; known: boolean; wait: number }>({ name: 'throttle-count', text: COUNT_ATTEMPT }, [
      keys.map((k) => k.key),
      keys.map((k) => k.policy.free),
      keys.map((k) => k.policy.maxBlockSeconds),
      keys.map((k) => k.scope ?? 'always'),
      known?.usernameFolded ?? null,
      known?.addressHash ?? null,
    ]);
    const refused = result.rows.filter((row) => !row.counted);
    return {
      allowed: refused.length === 0,
      // a refusal always asks for at least a second, even when the block ends sooner
      retryAfter: refused.length > 0 ? Math.max(1, ...refused.map((row) => row.wait)) : Math.max(0, ...result.rows.map((row) => row.wait)),
      known: result.rows[0]?.known ?? false,
      keys: result.rows.map((row) => row.key),
    };
  }

  /** A success: the keys start again from zero and, when given, the address becomes known for the user. */
  async succeeded(keys: string[], known?: KnownAddress): Promise<void> {
    await this.db.manager.createQueryBuilder().delete().from(AuthThrottleEntity).where('key = ANY(:keys)', { keys }).execute();
    if (known === undefined) return;
    try {
      await this.db.manager
        .createQueryBuilder()
        .insert()
        .into(OperatorKnownAddressEntity)
        .values({ usernameFolded: known.usernameFolded, addressHash: known.addressHash, lastSuccess: () => 'now()' })
        .orUpdate(['last_success'], ['username_folded', 'address_hash'])
        .execute();
    } catch (error) {
      // the user was deleted (or renamed) since the login: nothing to know the address for
      if (pgErrorCode(error) !== FOREIGN_KEY_VIOLATION) throw error;
    }
  }

  /** Drops counts whose window has passed and addresses not used for a long time. */
  async purge(): Promise<void> {
    await this.db.manager
      .createQueryBuilder()
      .delete()
      .from(AuthThrottleEntity)
      .where(`window_start <= now() - make_interval(secs => ${THROTTLE_WINDOW_SECONDS}) AND blocked_until <= now()`)
      .execute();
    await this.db.manager
      .createQueryBuilder()
      .delete()
      .from(OperatorKnownAddressEntity)
      .where(`last_success <= now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})`)
      .execute();
  }
}
