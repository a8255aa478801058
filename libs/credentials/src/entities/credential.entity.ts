import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One credential of a device's set, as stored. `(tenant_id, type, auth_id)` is unique (constraint
 * `credentials_auth_id_key`), so an auth-id belongs to at most one device of a tenant.
 */
@Entity({ name: 'credentials' })
@Index('credentials_device_idx', ['tenantId', 'deviceId', 'position'])
export class CredentialEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @Column({ name: 'device_id', type: 'text' })
  deviceId: string;

  @PrimaryColumn({ type: 'text' })
  type: string;

  @PrimaryColumn({ name: 'auth_id', type: 'text' })
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
}
