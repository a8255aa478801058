import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApiTokenEntity } from './api-token.entity';
import { UserEntity } from './user.entity';

/** A cookie session (`ovmsapisession`). The cookie value is never stored, only its SHA-256. */
@Entity({ name: 'sessions' })
@Index('sessions_user_idx', ['userId'])
// the purge of idle sessions
@Index('sessions_last_used_idx', ['lastUsed'])
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

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created: Date;

  @Column({ name: 'last_used', type: 'timestamptz', default: () => 'now()' })
  lastUsed: Date;

  /** Goes with its user. */
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'sessions_user_id_fkey' })
  user?: UserEntity;

  /** Goes with the token it was opened with. */
  @ManyToOne(() => ApiTokenEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'token_id', foreignKeyConstraintName: 'sessions_token_id_fkey' })
  token?: ApiTokenEntity | null;
}
