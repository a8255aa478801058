import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A partner platform of the OCPI credentials handshake (the migration 1767225900000-peering has the details). */
@Entity({ name: 'peers' })
@Check('peers_side_check', `side IN ('server', 'client')`)
@Check('peers_status_check', `status IN ('invited', 'registered', 'unregistered', 'failed')`)
@Check('peers_token_encoding_check', `token_encoding IN ('raw', 'base64')`)
// a presented token finds its peer; unique among the peers that have one
@Index('peers_token_a_hash_key', ['tokenAHash'], { unique: true, where: 'token_a_hash IS NOT NULL' })
@Index('peers_inbound_token_hash_key', ['inboundTokenHash'], { unique: true, where: 'inbound_token_hash IS NOT NULL' })
// the listing's order
@Index('peers_created_idx', ['created', 'id'])
export class PeerEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ type: 'text' })
  side: 'server' | 'client';

  @Column({ type: 'text' })
  status: 'invited' | 'registered' | 'unregistered' | 'failed';

  @Column({ type: 'text', nullable: true })
  version: string | null;

  @Column({ name: 'versions_url', type: 'text', nullable: true })
  versionsUrl: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  endpoints: unknown[];

  @Column({ type: 'jsonb', nullable: true })
  party: Record<string, unknown> | null;

  @Column({ name: 'token_encoding', type: 'text', nullable: true })
  tokenEncoding: 'raw' | 'base64' | null;

  /** SHA-256 of the TOKEN_A we issued. */
  @Column({ name: 'token_a_hash', type: 'text', nullable: true })
  tokenAHash: string | null;

  /** SHA-256 of the token the peer presents to us. */
  @Column({ name: 'inbound_token_hash', type: 'text', nullable: true })
  inboundTokenHash: string | null;

  /** The token we present to the peer, AES-256-GCM under SECRET_KEY. */
  @Column({ name: 'outbound_token', type: 'text', nullable: true })
  outboundToken: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** Failed registrations with the current TOKEN_A; at a limit TOKEN_A is revoked. */
  @Column({ name: 'failed_attempts', type: 'integer', default: 0 })
  failedAttempts: number;

  @Column({ name: 'busy_id', type: 'uuid', nullable: true })
  busyId: string | null;

  @Column({ name: 'busy_until', type: 'timestamptz', nullable: true })
  busyUntil: Date | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updated: Date;
}

/** A token we handed to a peer in our own POST or PUT, valid on versions and version details until it expires. */
@Entity({ name: 'peer_callback_tokens' })
export class PeerCallbackTokenEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ type: 'timestamptz' })
  expires: Date;
}
