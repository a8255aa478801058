import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

/** A tenant as stored: the client's JSON in `body`, with the columns searches and constraints need. */
@Entity({ name: 'tenants' })
// GIN over `body jsonb_path_ops` (containment filters); TypeORM cannot say the operator class, so the
// schema builder leaves it alone (docs/database.md).
@Index('tenants_body_idx', { synchronize: false })
export class TenantEntity {
  /** Byte order (`COLLATE "C"`): ids compare and sort the same whatever the database's locale. */
  @PrimaryColumn({ type: 'text', collation: 'C' })
  id: string;

  /** Unique among tenants through `tenant_aliases`, which holds the rule. */
  @Index('tenants_alias_idx')
  @Column({ type: 'text', nullable: true })
  alias: string | null;

  @Column({ name: 'trust_anchor_group', type: 'text', nullable: true })
  trustAnchorGroup: string | null;

  @Column({ type: 'jsonb' })
  body: Record<string, unknown>;

  /** The ETag: new on every write. */
  @Column({ type: 'text' })
  version: string;

  /** Kept in step with the devices table inside each create and delete, so limits are one atomic update. */
  @Column({ name: 'device_count', type: 'bigint', default: 0 })
  deviceCount: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created: Date;

  @Column({ type: 'timestamptz', nullable: true })
  updated: Date | null;
}

/** The subject DNs of a tenant's trusted CAs, for the cross-tenant uniqueness rule. */
@Entity({ name: 'tenant_trust_anchors' })
@Index('tenant_trust_anchors_subject_idx', ['subjectDn'])
export class TenantTrustAnchorEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text', collation: 'C' })
  tenantId: string;

  @PrimaryColumn({ name: 'subject_dn', type: 'text' })
  subjectDn: string;

  @Column({ name: 'trust_anchor_group', type: 'text', nullable: true })
  trustAnchorGroup: string | null;

  /** Goes with its tenant. */
  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'tenant_trust_anchors_tenant_id_fkey' })
  tenant?: TenantEntity;
}

/** The aliases of tenants, for the cross-tenant uniqueness rule (a reference table when distributed). */
@Entity({ name: 'tenant_aliases' })
@Unique('tenant_aliases_tenant_key', ['tenantId'])
export class TenantAliasEntity {
  @PrimaryColumn({ type: 'text' })
  alias: string;

  /** One alias per tenant (constraint `tenant_aliases_tenant_key`). */
  @Column({ name: 'tenant_id', type: 'text', collation: 'C' })
  tenantId: string;

  /** Goes with its tenant. */
  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'tenant_aliases_tenant_id_fkey' })
  tenant?: TenantEntity;
}
