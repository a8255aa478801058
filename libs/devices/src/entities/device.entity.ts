import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** A device as stored: the client's JSON in `body`; status timestamps and the version as columns. */
@Entity({ name: 'devices' })
// Filters with typed equality use containment (@>): GIN over `body jsonb_path_ops`. TypeORM cannot say the
// operator class (nor the `gin_pending_list_limit` both GIN indexes here set), so the schema builder
// leaves these two alone (docs/database.md).
@Index('devices_body_idx', { synchronize: false })
// Trigram GIN index over registry_string_leaves(body), for wildcard filters (migration 1767226230000);
// an expression index TypeORM cannot describe.
@Index('devices_strings_idx', { synchronize: false })
// Sorting and paging by creation time.
@Index('devices_created_idx', ['tenantId', 'created', 'id'])
// isGateway: the few devices that name gateways in `via`, and the members of gateway groups.
@Index('devices_with_via_idx', ['tenantId'], { where: `body ? 'via'` })
@Index('devices_with_member_of_idx', ['tenantId', 'id'], { where: `body ? 'memberOf'` })
export class DeviceEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', collation: 'C' })
  tenantId: string;

  @PrimaryColumn({ type: 'text', collation: 'C' })
  id: string;

  @Column({ type: 'jsonb' })
  body: Record<string, unknown>;

  @Column({ type: 'text' })
  version: string;

  /** Whole seconds, as Hono reports them. */
  @Column({ type: 'timestamptz', default: () => `date_trunc('second', now())` })
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

  /** Goes with its tenant. Named, not imported: the relation needs no code of the tenants library. */
  @ManyToOne('TenantEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'devices_tenant_id_fkey' })
  tenant?: unknown;
}
