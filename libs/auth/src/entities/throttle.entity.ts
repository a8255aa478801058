import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * Attempts at guessable secrets, shared by every instance (an UNLOGGED table: losing it in a crash
 * only forgets recent failures). The key is a keyed hash naming what is counted.
 */
@Entity({ name: 'auth_throttle' })
export class AuthThrottleEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  /** Attempts counted in the current window. */
  @Column({ type: 'int' })
  attempts: number;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart: Date;

  /** Attempts before this are refused (`-infinity` when not blocked). */
  @Column({ name: 'blocked_until', type: 'timestamptz' })
  blockedUntil: Date;
}

/** A client address (keyed hash) that logged in as the user with a password: the owner's, as far as the throttle goes. */
@Entity({ name: 'operator_known_addresses' })
export class OperatorKnownAddressEntity {
  @PrimaryColumn({ name: 'username_folded', type: 'text' })
  usernameFolded: string;

  @PrimaryColumn({ name: 'address_hash', type: 'text' })
  addressHash: string;

  @Column({ name: 'last_success', type: 'timestamptz' })
  lastSuccess: Date;

  /** Goes with the user, and follows a rename. */
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', onUpdate: 'CASCADE' })
  @JoinColumn({ name: 'username_folded', referencedColumnName: 'usernameFolded', foreignKeyConstraintName: 'operator_known_addresses_username_folded_fkey' })
  user?: UserEntity;
}
