import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/**
 * One credential of a device's set, as stored. `(tenant_id, type, auth_id)` is the primary key (named
 * `credentials_auth_id_key`), so an auth-id belongs to at most one device of a tenant.
 */
@Entity({ name: 'credentials' })
// A device's set, and the cascade from a device delete.
@Index('credentials_device_idx', ['tenantId', 'deviceId', 'position'])
export class CredentialEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', collation: 'C', primaryKeyConstraintName: 'credentials_auth_id_key' })
  tenantId: string;

  @Column({ name: 'device_id', type: 'text', collation: 'C' })
  deviceId: string;

  @PrimaryColumn({ type: 'text', collation: 'C', primaryKeyConstraintName: 'credentials_auth_id_key' })
  type: string;

  @PrimaryColumn({ name: 'auth_id', type: 'text', collation: 'C', primaryKeyConstraintName: 'credentials_auth_id_key' })
  authId: string;

  /** The credential's place in the set as sent. */
  @Column({ type: 'integer' })
  position: number;

  /** What GET returns: the credential with its secrets' ids and metadata, nothing confidential. */
  @Column({ type: 'jsonb' })
  body: Record<string, unknown>;

  /** Secret id → its confidential part (password hash, salt, hash function; the PSK key encrypted). */
  @Column({ type: 'jsonb', default: {} })
  confidential: Record<string, Record<string, string>>;

  /** Goes with its device. Named, not imported: the relation needs no code of the devices library. */
  @ManyToOne('DeviceEntity', { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId', foreignKeyConstraintName: 'credentials_device_fkey' },
    { name: 'device_id', referencedColumnName: 'id' },
  ])
  device?: unknown;
}
