import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A cookie session (`ovmsapisession`). The cookie value is never stored, only its SHA-256. */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'text' })
  idHash: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The token the session was opened with; the session dies with it. */
  @Column({ name: 'token_id', type: 'uuid', nullable: true })
  tokenId: string | null;

  @Column({ type: 'text' })
  permit: string;

  @Column({ type: 'timestamptz' })
  created: Date;

  @Column({ name: 'last_used', type: 'timestamptz' })
  lastUsed: Date;
}
