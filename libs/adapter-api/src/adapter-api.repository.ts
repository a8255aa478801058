import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';
import { BatchedLookup } from './batched-lookup';

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

  /** A device, the gateway asking for it and its group gateways; the assertions asked for together share one statement. */
  assertion(tenantId: string, deviceId: string, gatewayId: string | null): Promise<AssertionRow> {
    return this.assertions.load({ tenantId, deviceId, gatewayId });
  }

  private readonly assertions = new BatchedLookup<{ tenantId: string; deviceId: string; gatewayId: string | null }, AssertionRow>(
    (query) => query.tenantId,
    async (queries) => {
      const result = await this.db.query<AssertionRow & { i: string }>(
        {
          name: 'adapter-registration-assertions',
          text: `SELECT w.i, EXISTS (SELECT 1 FROM tenants WHERE id = $1) AS tenant_found,
                        (SELECT body FROM devices WHERE tenant_id = $1 AND id = w.device_id) AS device,
                        (SELECT body FROM devices WHERE w.gateway_id IS NOT NULL AND tenant_id = $1 AND id = w.gateway_id) AS gateway,
                        (SELECT array_agg(m.id ORDER BY m.id) FROM devices m, devices d
                          WHERE d.tenant_id = $1 AND d.id = w.device_id AND d.body ? 'viaGroups' AND m.tenant_id = $1 AND m.body ? 'memberOf'
                            AND m.body -> 'memberOf' ?| ARRAY(SELECT jsonb_array_elements_text(d.body -> 'viaGroups'))) AS group_gateways
                   FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS w(device_id, gateway_id, i)`,
        },
        [queries[0].tenantId, queries.map((query) => query.deviceId), queries.map((query) => query.gatewayId)],
      );
      const rows: AssertionRow[] = [];
      for (const { i, ...row } of result.rows) rows[Number(i) - 1] = row;
      return rows;
    },
  );
}
