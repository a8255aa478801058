import { Database, entityFromRow, Transaction } from '@app/database';
import { Injectable } from '@nestjs/common';
import type { EntityManager, FindOptionsSelect, QueryDeepPartialEntity } from 'typeorm';
import { PeerCallbackTokenEntity, PeerEntity } from './entities/peer.entity';

export type PeerSide = PeerEntity['side'];
export type PeerStatus = PeerEntity['status'];

/** A peer as the handshakes and the admin API see it: every column but the lease's. */
export type StoredPeer = Omit<PeerEntity, 'busyId' | 'busyUntil' | 'endpoints'> & {
  endpoints: Array<{ identifier: string; role?: string; url: string }>;
};

/** The columns a handshake may change. */
export type PeerChanges = Partial<
  Pick<
    StoredPeer,
    'status' | 'version' | 'versionsUrl' | 'endpoints' | 'party' | 'tokenEncoding' | 'tokenAHash' | 'inboundTokenHash' | 'outboundToken' | 'lastError' | 'failedAttempts'
  >
>;

/** What a token presented on /ocpi is: a TOKEN_A, a registered peer's token, or a token of one of our handshakes. */
export interface TokenMatch {
  kind: 'token-a' | 'registered' | 'callback';
  peerId: string | null;
  hash: string;
}

const PEER_SELECT: FindOptionsSelect<PeerEntity> = {
  id: true,
  name: true,
  side: true,
  status: true,
  version: true,
  versionsUrl: true,
  endpoints: true,
  party: true,
  tokenEncoding: true,
  tokenAHash: true,
  inboundTokenHash: true,
  outboundToken: true,
  lastError: true,
  failedAttempts: true,
  created: true,
  updated: true,
};

/** A written peer's row (RETURNING *) without its lease. */
function storedPeer(manager: EntityManager, row: Record<string, unknown> | undefined): StoredPeer | undefined {
  if (row === undefined) return undefined;
  const { busyId: _busyId, busyUntil: _busyUntil, ...peer } = entityFromRow(manager, PeerEntity, row);
  return peer as StoredPeer;
}

/** The changes as QueryBuilder writes take them (its deep-partial type cannot say the jsonb columns' free-form JSON). */
const persistable = (changes: PeerChanges) => changes as QueryDeepPartialEntity<PeerEntity>;

/** Every query on peers and on the tokens of our handshakes in flight. */
@Injectable()
export class PeersRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<StoredPeer[]> {
    return (await this.db.manager.find(PeerEntity, { select: PEER_SELECT, order: { created: 'ASC', id: 'ASC' } })) as StoredPeer[];
  }

  async find(id: string): Promise<StoredPeer | undefined> {
    return ((await this.db.manager.findOne(PeerEntity, { select: PEER_SELECT, where: { id } })) as StoredPeer | null) ?? undefined;
  }

  async insert(peer: Pick<StoredPeer, 'id' | 'name' | 'side' | 'status'> & PeerChanges, callbackTokenHash?: string): Promise<StoredPeer> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.manager
        .createQueryBuilder()
        .insert()
        .into(PeerEntity)
        .values(persistable({ ...peer, endpoints: peer.endpoints ?? [] }))
        .returning('*')
        .execute();
      if (callbackTokenHash !== undefined) await this.deleteCallbackToken(callbackTokenHash, tx);
      return storedPeer(tx.manager, (inserted.raw as Array<Record<string, unknown>>)[0])!;
    });
  }

  /**
   * Applies `changes` if this caller still holds the peer's lease (and, for the handshakes a peer starts,
   * if the token it authenticated with is still the one on record), in one conditional UPDATE. Undefined when not.
   */
  async update(
    id: string,
    leaseId: string,
    changes: PeerChanges,
    options: { expectTokenAHash?: string; expectInboundHash?: string; callbackTokenHash?: string } = {},
  ): Promise<StoredPeer | undefined> {
    return this.db.transaction(async (tx) => {
      const update = tx.manager
        .createQueryBuilder()
        .update(PeerEntity)
        .set({ ...persistable(changes), updated: () => 'now()' })
        .where('id = :id AND busy_id = :leaseId', { id, leaseId });
      if (options.expectTokenAHash !== undefined) update.andWhere(`token_a_hash = :tokenAHash AND status = 'invited'`, { tokenAHash: options.expectTokenAHash });
      if (options.expectInboundHash !== undefined) update.andWhere(`inbound_token_hash = :inboundHash AND status = 'registered'`, { inboundHash: options.expectInboundHash });
      const updated = await update.returning('*').execute();
      if (options.callbackTokenHash !== undefined) await this.deleteCallbackToken(options.callbackTokenHash, tx);
      return storedPeer(tx.manager, (updated.raw as Array<Record<string, unknown>>)[0]);
    });
  }

  /**
   * A registration with TOKEN_A failed: the reason is kept for the admin and the failure counted; the one
   * that reaches `limit` revokes TOKEN_A and marks the peer failed, in the same UPDATE. True when TOKEN_A was revoked.
   */
  async recordFailedRegistration(id: string, leaseId: string, tokenAHash: string, reason: string, limit: number): Promise<boolean> {
    const reached = 'failed_attempts + 1 >= CAST(:limit AS int)';
    const result = await this.db.manager
      .createQueryBuilder()
      .update(PeerEntity)
      .set({
        failedAttempts: () => 'failed_attempts + 1',
        status: () => `CASE WHEN ${reached} THEN 'failed' ELSE status END`,
        tokenAHash: () => `CASE WHEN ${reached} THEN NULL ELSE token_a_hash END`,
        lastError: () => `CASE WHEN ${reached}
          THEN 'invitation revoked after ' || CAST(:limit AS int) || ' failed registrations; the last: ' || CAST(:reason AS text)
          ELSE 'registration attempt ' || (failed_attempts + 1) || ' of ' || CAST(:limit AS int) || ' failed: ' || CAST(:reason AS text) END`,
        updated: () => 'now()',
      })
      .where(`id = :id AND busy_id = :leaseId AND token_a_hash = :tokenAHash AND status = 'invited'`, { id, leaseId, tokenAHash })
      .setParameters({ limit, reason })
      .returning('status')
      .execute();
    return (result.raw as Array<{ status: PeerStatus }>)[0]?.status === 'failed';
  }

  /**
   * Takes the peer's lease: one handshake at a time per peer, across processes, without holding a
   * connection while we wait for the peer. 'busy' while someone else holds an unexpired lease.
   */
  async acquire(id: string, leaseId: string, leaseMs: number): Promise<StoredPeer | 'busy' | undefined> {
    const taken = await this.db.manager
      .createQueryBuilder()
      .update(PeerEntity)
      .set({ busyId: leaseId, busyUntil: () => 'now() + make_interval(secs => CAST(:leaseMs AS double precision) / 1000)' })
      .where('id = :id AND (busy_id IS NULL OR busy_until < now())', { id, leaseMs })
      .returning('*')
      .execute();
    const peer = storedPeer(this.db.manager, (taken.raw as Array<Record<string, unknown>>)[0]);
    if (peer) return peer;
    return (await this.db.manager.existsBy(PeerEntity, { id })) ? 'busy' : undefined;
  }

  async release(id: string, leaseId: string): Promise<void> {
    await this.db.manager.update(PeerEntity, { id, busyId: leaseId }, { busyId: null, busyUntil: null });
  }

  /**
   * What each of the given token hashes is, if anything. Hand-written: every /ocpi request asks it, one
   * prepared statement over both tables (a UNION ALL the QueryBuilder cannot say).
   */
  async matchTokens(hashes: string[]): Promise<TokenMatch[]> {
    const result = await this.db.query<TokenMatch>(
      {
        name: 'peer-token-match',
        text: `SELECT 'token-a' AS kind, id AS "peerId", token_a_hash AS hash FROM peers WHERE token_a_hash = ANY($1) AND status = 'invited'
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
    await this.db.manager.createQueryBuilder().delete().from(PeerCallbackTokenEntity).where('expires < now()').execute();
    await this.db.manager
      .createQueryBuilder()
      .insert()
      .into(PeerCallbackTokenEntity)
      .values({ tokenHash: hash, expires: () => 'now() + make_interval(secs => CAST(:validMs AS double precision) / 1000)' })
      .setParameter('validMs', validMs)
      .execute();
  }

  async deleteCallbackToken(hash: string, tx?: Transaction): Promise<void> {
    await (tx?.manager ?? this.db.manager).delete(PeerCallbackTokenEntity, { tokenHash: hash });
  }
}
