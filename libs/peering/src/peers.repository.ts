import { Database, Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';

export type PeerSide = 'server' | 'client';
export type PeerStatus = 'invited' | 'registered' | 'unregistered' | 'failed';

export interface StoredPeer {
  id: string;
  name: string | null;
  side: PeerSide;
  status: PeerStatus;
  version: string | null;
  versions_url: string | null;
  endpoints: Array<{ identifier: string; role?: string; url: string }>;
  party: Record<string, unknown> | null;
  token_encoding: 'raw' | 'base64' | null;
  token_a_hash: string | null;
  inbound_token_hash: string | null;
  outbound_token: string | null;
  last_error: string | null;
  /** Failed registrations with the current TOKEN_A. */
  failed_attempts: number;
  created: Date;
  updated: Date;
}

/** The columns a handshake may change. */
export type PeerChanges = Partial<
  Pick<
    StoredPeer,
    | 'status'
    | 'version'
    | 'versions_url'
    | 'endpoints'
    | 'party'
    | 'token_encoding'
    | 'token_a_hash'
    | 'inbound_token_hash'
    | 'outbound_token'
    | 'last_error'
    | 'failed_attempts'
  >
>;

/** What a token presented on /ocpi is: a TOKEN_A, a registered peer's token, or a token of one of our handshakes. */
export interface TokenMatch {
  kind: 'token-a' | 'registered' | 'callback';
  peer_id: string | null;
  hash: string;
}

const COLUMNS = `id, name, side, status, version, versions_url, endpoints, party, token_encoding, token_a_hash,
  inbound_token_hash, outbound_token, last_error, failed_attempts, created, updated`;
const JSON_COLUMNS = new Set(['endpoints', 'party']);
const CHANGEABLE = new Set(['status', 'version', 'versions_url', 'endpoints', 'party', 'token_encoding', 'token_a_hash', 'inbound_token_hash', 'outbound_token', 'last_error', 'failed_attempts']);

function assignments(changes: PeerChanges, params: unknown[]): string {
  const sets: string[] = [];
  for (const [column, value] of Object.entries(changes)) {
    if (!CHANGEABLE.has(column)) throw new Error(`not a changeable peer column: ${column}`);
    params.push(JSON_COLUMNS.has(column) && value !== null ? JSON.stringify(value) : value);
    sets.push(`${column} = $${params.length}`);
  }
  sets.push('updated = now()');
  return sets.join(', ');
}

/** Every query on peers and on the tokens of our handshakes in flight. */
@Injectable()
export class PeersRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<StoredPeer[]> {
    return (await this.db.query<StoredPeer>(`SELECT ${COLUMNS} FROM peers ORDER BY created, id`)).rows;
  }

  async find(id: string): Promise<StoredPeer | undefined> {
    return (await this.db.query<StoredPeer>(`SELECT ${COLUMNS} FROM peers WHERE id = $1`, [id])).rows[0];
  }

  async insert(peer: Pick<StoredPeer, 'id' | 'name' | 'side' | 'status'> & PeerChanges, callbackTokenHash?: string): Promise<StoredPeer> {
    return this.db.transaction(async (tx) => {
      const row = (
        await tx.query<StoredPeer>(
          `INSERT INTO peers (id, name, side, status, version, versions_url, endpoints, party, token_encoding, token_a_hash,
                              inbound_token_hash, outbound_token, last_error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${COLUMNS}`,
          [
            peer.id,
            peer.name,
            peer.side,
            peer.status,
            peer.version ?? null,
            peer.versions_url ?? null,
            JSON.stringify(peer.endpoints ?? []),
            peer.party === undefined || peer.party === null ? null : JSON.stringify(peer.party),
            peer.token_encoding ?? null,
            peer.token_a_hash ?? null,
            peer.inbound_token_hash ?? null,
            peer.outbound_token ?? null,
            peer.last_error ?? null,
          ],
        )
      ).rows[0];
      if (callbackTokenHash !== undefined) await this.deleteCallbackToken(callbackTokenHash, tx);
      return row;
    });
  }

  /**
   * Applies `changes` if this caller still holds the peer's lease (and, for the handshakes a peer starts,
   * if the token it authenticated with is still the one on record). False when not.
   */
  async update(
    id: string,
    leaseId: string,
    changes: PeerChanges,
    options: { expectTokenAHash?: string; expectInboundHash?: string; callbackTokenHash?: string } = {},
  ): Promise<StoredPeer | undefined> {
    return this.db.transaction(async (tx) => {
      const params: unknown[] = [id, leaseId];
      const sets = assignments(changes, params);
      const conditions = ['id = $1', 'busy_id = $2'];
      if (options.expectTokenAHash !== undefined) {
        params.push(options.expectTokenAHash);
        conditions.push(`token_a_hash = $${params.length} AND status = 'invited'`);
      }
      if (options.expectInboundHash !== undefined) {
        params.push(options.expectInboundHash);
        conditions.push(`inbound_token_hash = $${params.length} AND status = 'registered'`);
      }
      const updated = await tx.query<StoredPeer>(`UPDATE peers SET ${sets} WHERE ${conditions.join(' AND ')} RETURNING ${COLUMNS}`, params);
      if (options.callbackTokenHash !== undefined) await this.deleteCallbackToken(options.callbackTokenHash, tx);
      return updated.rows[0];
    });
  }

  /**
   * A registration with TOKEN_A failed: the reason is kept for the admin and the failure counted; the one
   * that reaches `limit` revokes TOKEN_A and marks the peer failed. True when TOKEN_A was revoked.
   */
  async recordFailedRegistration(id: string, leaseId: string, tokenAHash: string, reason: string, limit: number): Promise<boolean> {
    const result = await this.db.query<{ status: PeerStatus }>(
      `UPDATE peers SET failed_attempts = failed_attempts + 1,
              status = CASE WHEN failed_attempts + 1 >= $4::int THEN 'failed' ELSE status END,
              token_a_hash = CASE WHEN failed_attempts + 1 >= $4::int THEN NULL ELSE token_a_hash END,
              last_error = CASE WHEN failed_attempts + 1 >= $4::int
                THEN 'invitation revoked after ' || $4::int || ' failed registrations; the last: ' || $5::text
                ELSE 'registration attempt ' || (failed_attempts + 1) || ' of ' || $4::int || ' failed: ' || $5::text END,
              updated = now()
        WHERE id = $1 AND busy_id = $2 AND token_a_hash = $3 AND status = 'invited'
        RETURNING status`,
      [id, leaseId, tokenAHash, limit, reason],
    );
    return result.rows[0]?.status === 'failed';
  }

  /**
   * Takes the peer's lease: one handshake at a time per peer, across processes, without holding a
   * connection while we wait for the peer. 'busy' while someone else holds an unexpired lease.
   */
  async acquire(id: string, leaseId: string, leaseMs: number): Promise<StoredPeer | 'busy' | undefined> {
    const taken = await this.db.query<StoredPeer>(
      `UPDATE peers SET busy_id = $2, busy_until = now() + make_interval(secs => $3::double precision / 1000)
        WHERE id = $1 AND (busy_id IS NULL OR busy_until < now()) RETURNING ${COLUMNS}`,
      [id, leaseId, leaseMs],
    );
    if (taken.rows[0]) return taken.rows[0];
    const exists = await this.db.query('SELECT 1 FROM peers WHERE id = $1', [id]);
    return exists.rowCount === 1 ? 'busy' : undefined;
  }

  async release(id: string, leaseId: string): Promise<void> {
    await this.db.query('UPDATE peers SET busy_id = NULL, busy_until = NULL WHERE id = $1 AND busy_id = $2', [id, leaseId]);
  }

  /** What each of the given token hashes is, if anything. */
  async matchTokens(hashes: string[]): Promise<TokenMatch[]> {
    const result = await this.db.query<TokenMatch>(
      {
        name: 'peer-token-match',
        text: `SELECT 'token-a' AS kind, id AS peer_id, token_a_hash AS hash FROM peers WHERE token_a_hash = ANY($1) AND status = 'invited'
               UNION ALL
               SELECT 'registered', id, inbound_token_hash FROM peers WHERE inbound_token_hash = ANY($1) AND status = 'registered'
               UNION ALL
               SELECT 'callback', NULL, token_hash FROM peer_callback_tokens WHERE token_hash = ANY($1) AND expires > now()`,
      },
      [hashes],
    );
    return result.rows;
  }

  /** Makes a token we are about to hand to a peer valid for its callbacks, for `validMs` at most. */
  async insertCallbackToken(hash: string, validMs: number): Promise<void> {
    await this.db.query(`DELETE FROM peer_callback_tokens WHERE expires < now()`);
    await this.db.query(`INSERT INTO peer_callback_tokens (token_hash, expires) VALUES ($1, now() + make_interval(secs => $2::double precision / 1000))`, [
      hash,
      validMs,
    ]);
  }

  async deleteCallbackToken(hash: string, tx: Queryable = this.db): Promise<void> {
    await tx.query('DELETE FROM peer_callback_tokens WHERE token_hash = $1', [hash]);
  }
}
