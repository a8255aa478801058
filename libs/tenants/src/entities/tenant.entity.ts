import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A tenant as stored: the client's JSON in `body`, with the columns searches and constraints need. */
@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn({ type: 'text' })
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

  @Column({ type: 'timestamptz' })
  created: Date;

  @Column({ type: 'timestamptz', nullable: true })
  updated: Date | null;
}

/** The subject DNs of a tenant's trusted CAs, for the cross-tenant uniqueness rule. */
@Entity({ name: 'tenant_trust_anchors' })
export class TenantTrustAnchorEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  @PrimaryColumn({ name: 'subject_dn', type: 'text' })
  subjectDn: string;

  @Column({ name: 'trust_anchor_group', type: 'text', nullable: true })
  trustAnchorGroup: string | null;
}

/** The aliases of tenants, for the cross-tenant uniqueness rule (a reference table when distributed). */
@Entity({ name: 'tenant_aliases' })
export class TenantAliasEntity {
  @PrimaryColumn({ type: 'text' })
  alias: string;

  /** One alias per tenant (constraint `tenant_aliases_tenant_key`). */
  @Index('tenant_aliases_tenant_key', { unique: true })
  @Column({ name: 'tenant_id', type: 'text' })
  tenantId: string;
}
