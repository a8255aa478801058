import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A device as stored: the client's JSON in `body`; status timestamps and the version as columns. */
@Entity({ name: 'devices' })
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
}
