import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A tenant as stored: the client's JSON in `body`, with the columns searches and constraints need. */
@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Unique among tenants (constraint `tenants_alias_key`). */
  @Index('tenants_alias_key', { unique: true })
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
