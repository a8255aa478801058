import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** An operator. Usernames are unique case-insensitively (unique index on the folded name). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  username: string;

  /** The username case-folded (Unicode-aware), unique. */
  @Column({ name: 'username_folded', type: 'text', unique: true })
  usernameFolded: string;

  /** argon2id, PHC string. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'boolean', default: false })
  admin: boolean;

  /**
   * When the password last changed or the user was last disabled (its sessions end then). A record only: cached
   * verifications end through the database's change notifications (docs/instances.md), not by reading this.
   */
  @Column({ name: 'credentials_changed', type: 'timestamptz' })
  credentialsChanged: Date;

  @Column({ type: 'timestamptz' })
  created: Date;

  @Column({ type: 'timestamptz' })
  updated: Date;
}

/** Read or write access of a user to one existing tenant; the grant dies with the tenant. */
@Entity({ name: 'user_tenants' })
@Index('user_tenants_tenant_idx', ['tenantId'])
export class UserTenantEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ type: 'text' })
  access: 'read' | 'write';

  // named, not imported: the tenants library depends on this one
  @ManyToOne('TenantEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'user_tenants_tenant_id_fkey' })
  tenant?: unknown;
}
