import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';

export interface TenantRow {
  id: string;
  body: Record<string, unknown>;
}

/** A device, its gateway (when one is asking) and the gateways its viaGroups admit, from one statement. */
export interface AssertionRow {
  tenant_found: boolean;
  device: Record<string, unknown> | null;
  gateway: Record<string, unknown> | null;
  /** Ids of the tenant's devices whose memberOf meets the device's viaGroups (null when it has none). */
  group_gateways: string[] | null;
}

/** The reads the adapter APIs make: each one statement on an index. */
@Injectable()
export class AdapterApiRepository {
  constructor(private readonly db: Database) {}

  /** By id, or else by alias (the id wins when one tenant's id is another's alias). */
  async tenantByIdOrAlias(idOrAlias: string): Promise<TenantRow | undefined> {
    const result = await this.db.query<TenantRow>(
      {
        name: 'adapter-tenant-by-id-or-alias',
        text: `SELECT id, body FROM tenants WHERE id = $1
               UNION ALL
               SELECT id, body FROM tenants WHERE alias = $1 AND id <> $1
               LIMIT 1`,
      },
      [idOrAlias],
    );
    return result.rows[0];
  }

  async tenant(tenantId: string): Promise<TenantRow | undefined> {
    const result = await this.db.query<TenantRow>('SELECT id, body FROM tenants WHERE id = $1', [tenantId]);
    return result.rows[0];
  }

  /** The tenants with a trusted CA of this (normalised) subject DN; two when they share a trust anchor group. */
  async tenantsBySubjectDn(subjectDn: string): Promise<TenantRow[]> {
    const result = await this.db.query<TenantRow>(
      {
        name: 'adapter-tenants-by-subject-dn',
        text: `SELECT t.id, t.body FROM tenant_trust_anchors a JOIN tenants t ON t.id = a.tenant_id
                WHERE a.subject_dn = $1 LIMIT 2`,
      },
      [subjectDn],
    );
    return result.rows;
  }

  async assertion(tenantId: string, deviceId: string, gatewayId: string | null): Promise<AssertionRow> {
    const result = await this.db.query<AssertionRow>(
      {
        name: 'adapter-registration-assertion',
        text: `WITH device AS (SELECT body FROM devices WHERE tenant_id = $1 AND id = $2)
               SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1) AS tenant_found,
                      (SELECT body FROM device) AS device,
                      (SELECT body FROM devices WHERE $3::text IS NOT NULL AND tenant_id = $1 AND id = $3) AS gateway,
                      (SELECT array_agg(m.id ORDER BY m.id) FROM devices m, device d
                        WHERE d.body ? 'viaGroups' AND m.tenant_id = $1 AND m.body ? 'memberOf'
                          AND m.body -> 'memberOf' ?| ARRAY(SELECT jsonb_array_elements_text(d.body -> 'viaGroups'))) AS group_gateways`,
      },
      [tenantId, deviceId, gatewayId],
    );
    return result.rows[0];
  }
}
