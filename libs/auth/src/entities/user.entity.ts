import { Check, Column, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn } from 'typeorm';

/** An operator. Usernames are unique case-insensitively (unique index on the folded name). */
@Entity({ name: 'users' })
// a unique index rather than a constraint: the name a conflict reports, and what the known addresses reference
@Index('users_username_key', ['usernameFolded'], { unique: true })
export class UserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  username: string;

  /** The username case-folded (Unicode-aware), unique. */
  @Column({ name: 'username_folded', type: 'text' })
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
  @Column({ name: 'credentials_changed', type: 'timestamptz', default: () => 'now()' })
  credentialsChanged: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updated: Date;

  /** The user's tenant grants (the other side of `UserTenantEntity.user`; no column of its own). */
  @OneToMany(() => UserTenantEntity, (grant) => grant.user)
  grants?: UserTenantEntity[];
}

/** Read or write access of a user to one existing tenant; the grant dies with the tenant. */
@Entity({ name: 'user_tenants' })
@Index('user_tenants_tenant_idx', ['tenantId'])
@Check('user_tenants_access_check', `access IN ('read', 'write')`)
export class UserTenantEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @PrimaryColumn({ name: 'tenant_id', type: 'text', collation: 'C' })
  tenantId: string;

  @Column({ type: 'text' })
  access: 'read' | 'write';

  /** Goes with its user. */
  @ManyToOne(() => UserEntity, (user) => user.grants, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_tenants_user_id_fkey' })
  user?: UserEntity;

  // named, not imported: the tenants library depends on this one
  @ManyToOne('TenantEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'user_tenants_tenant_id_fkey' })
  tenant?: unknown;
}
