import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A device as stored: the client's JSON in `body`; status timestamps and the version as columns. */
@Entity({ name: 'devices' })
// Trigram GIN index over registry_string_leaves(body), for wildcard filters (migration 1767226230000);
// an expression index TypeORM cannot describe, so the schema builder leaves it alone.
@Index('devices_strings_idx', { synchronize: false })
export class DeviceEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'jsonb' })
  body: Record<string, unknown>;

  @Column({ type: 'text' })
  version: string;

  @Column({ type: 'timestamptz' })
  created: Date;

  @Column({ type: 'timestamptz', nullable: true })
  updated: Date | null;

  /** Created by auto-provisioning (status `auto-provisioned`). */
  @Column({ name: 'auto_provisioned', type: 'boolean', default: false })
  autoProvisioned: boolean;

  /**
   * The ETag of the device's credentials set, moved by every write of the set. NULL until the set is
   * first written: the version is then derived from the device's identity (docs/credentials.md).
   */
  @Column({ name: 'credentials_version', type: 'text', nullable: true })
  credentialsVersion: string | null;
}
