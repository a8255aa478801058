import { Injectable } from '@nestjs/common';
import { Database, filterConditions, orderBy, Queryable, SearchableTable, SearchParameters, SqlParams } from '@app/database';
import { randomUUID } from 'node:crypto';

export interface StoredDevice {
  id: string;
  /** The stored JSON as text, spliced into responses without a parse/stringify round trip. */
  body: string;
  version: string;
  created: Date;
  updated: Date | null;
  auto_provisioned: boolean;
}

export type WriteOutcome = { outcome: 'ok'; version: string } | { outcome: 'missing' | 'version-mismatch' };
export type CreateOutcome =
  | { outcome: 'created'; version: string }
  | { outcome: 'tenant-missing' | 'exists' | 'limit-reached' };

/** A device named by its tenant and id. */
export interface DeviceKey {
  tenantId: string;
  id: string;
}

/** A device as a bulk load writes it. */
export interface BulkDevice extends DeviceKey {
  body: unknown;
  created: Date | string | null;
  updated: Date | string | null;
}

const bulkRows = (devices: BulkDevice[]) =>
  devices.map((d) => ({ tenant_id: d.tenantId, id: d.id, body: d.body, version: randomUUID(), created: d.created, updated: d.updated }));

export const DEVICES_TABLE: SearchableTable = {
  table: 'devices',
  scopeColumn: 'tenant_id',
  columns: {
    '/id': { column: 'id', type: 'text' },
    '/status/created': { column: 'created', type: 'timestamp' },
    '/status/updated': { column: 'updated', type: 'timestamp' },
  },
  stringLeavesIndexed: true,
};

/** Every query on devices. Each operation is one statement, or one transaction where a counter moves with it. */
@Injectable()
export class DevicesRepository {
  constructor(private readonly db: Database) {}

  async find(tenantId: string, deviceId: string): Promise<StoredDevice | undefined> {
    const result = await this.db.query<StoredDevice>(
      { name: 'device-find', text: 'SELECT id, body::text AS body, version, created, updated, auto_provisioned FROM devices WHERE tenant_id = $1 AND id = $2' },
      [tenantId, deviceId],
    );
    return result.rows[0];
  }

  /**
   * Creates a device and moves the tenant's device counter in one transaction. The counter update
   * checks the limit and locks the tenant row, so concurrent creates cannot exceed it.
   */
  async create(tenantId: string, deviceId: string, body: object, globalLimit: number, autoProvisioned = false): Promise<CreateOutcome> {
    const version = randomUUID();
    return this.db.transaction(async (tx) => {
      const counted = await tx.query(
        `UPDATE tenants SET device_count = device_count + 1
          WHERE id = $1
            AND (COALESCE((body #>> '{registration-limits,max-devices}')::bigint, $2) < 0
                 OR device_count < COALESCE((body #>> '{registration-limits,max-devices}')::bigint, $2))
          RETURNING id`,
        [tenantId, globalLimit],
      );
      if (counted.rowCount === 0) {
        const tenant = await tx.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
        return { outcome: tenant.rowCount === 0 ? 'tenant-missing' : 'limit-reached' } as CreateOutcome;
      }
      const inserted = await tx.query(
        `INSERT INTO devices (tenant_id, id, body, version, created, auto_provisioned) VALUES ($1, $2, $3, $4, date_trunc('second', now()), $5)
         ON CONFLICT DO NOTHING`,
        [tenantId, deviceId, body, version, autoProvisioned],
      );
      if (inserted.rowCount === 0) throw new DeviceExists();
      return { outcome: 'created', version } as CreateOutcome;
    }).catch((error) => {
      if (error instanceof DeviceExists) return { outcome: 'exists' } as CreateOutcome;
      throw error;
    });
  }

  /** The version check and the write are one statement: of concurrent writers holding one version, one wins. */
  async update(tenantId: string, deviceId: string, body: object, expected: string[] | null): Promise<WriteOutcome> {
    const version = randomUUID();
    const updated = await this.db.query<{ version: string }>(
      `UPDATE devices SET body = $3, version = $4, updated = date_trunc('second', now())
        WHERE tenant_id = $1 AND id = $2 AND ($5::text[] IS NULL OR version = ANY($5::text[]))
        RETURNING version`,
      [tenantId, deviceId, body, version, expected],
    );
    if (updated.rowCount === 1) return { outcome: 'ok', version };
    return { outcome: (await this.exists(tenantId, deviceId)) ? 'version-mismatch' : 'missing' };
  }

  async delete(tenantId: string, deviceId: string, expected: string[] | null): Promise<WriteOutcome> {
    const deleted = await this.db.query<{ deleted: number }>(
      `WITH gone AS (
         DELETE FROM devices WHERE tenant_id = $1 AND id = $2 AND ($3::text[] IS NULL OR version = ANY($3::text[])) RETURNING 1
       ), counted AS (
         UPDATE tenants SET device_count = device_count - (SELECT count(*) FROM gone) WHERE id = $1 AND EXISTS (SELECT 1 FROM gone)
       )
       SELECT count(*)::int AS deleted FROM gone`,
      [tenantId, deviceId, expected],
    );
    if (deleted.rows[0].deleted === 1) return { outcome: 'ok', version: '' };
    return { outcome: (await this.exists(tenantId, deviceId)) ? 'version-mismatch' : 'missing' };
  }

  async deleteAll(tenantId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM devices WHERE tenant_id = $1', [tenantId]);
      await tx.query('UPDATE tenants SET device_count = 0 WHERE id = $1', [tenantId]);
    });
  }

  async exists(tenantId: string, deviceId: string): Promise<boolean> {
    const found = await this.db.query('SELECT 1 FROM devices WHERE tenant_id = $1 AND id = $2', [tenantId, deviceId]);
    return found.rowCount === 1;
  }

  /** One page of a search and the total, in one statement. */
  async search(tenantId: string, search: SearchParameters, isGateway: boolean | undefined): Promise<{ total: number; page: StoredDevice[] }> {
    const params = new SqlParams();
    const where = [`t.tenant_id = ${params.add(tenantId)}`, ...filterConditions(DEVICES_TABLE, search.filters, params)];
    let gateways: string | undefined;
    if (isGateway !== undefined) {
      // The gateways are few: collect their ids through the partial indexes, then probe by primary key.
      gateways = `t.id = ANY(ARRAY(
          SELECT jsonb_array_elements_text(g.body -> 'via') FROM devices g WHERE g.tenant_id = $1 AND g.body ? 'via'
          UNION SELECT m.id FROM devices m WHERE m.tenant_id = $1 AND m.body ? 'memberOf'))`;
      where.push(isGateway ? gateways : `NOT ${gateways}`);
    }
    const condition = where.join(' AND ');
    // Totals come from the tenant's device counter where they can, so paging a million devices never counts them.
    const counter = `(SELECT device_count FROM tenants WHERE id = $1)`;
    let total = `(SELECT count(*) FROM devices t WHERE ${condition})`;
    if (search.filters.length === 0 && isGateway === undefined) total = counter;
    if (search.filters.length === 0 && isGateway === false) total = `${counter} - (SELECT count(*) FROM devices t WHERE t.tenant_id = $1 AND ${gateways})`;
    const order = orderBy(DEVICES_TABLE, search.sorts, params);
    const limit = params.add(search.pageSize);
    const offset = params.add(search.pageSize * search.pageOffset);
    const result = await this.db.query<{ total: string | null; page: StoredDevice[] | null }>(
      `SELECT ${total} AS total,
              (SELECT json_agg(json_build_object('id', p.id, 'body', p.body::text, 'version', p.version, 'created', p.created, 'updated', p.updated, 'auto_provisioned', p.auto_provisioned))
                 FROM (SELECT t.id, t.body, t.version, t.created, t.updated, t.auto_provisioned FROM devices t WHERE ${condition}
                       ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}) p) AS page`,
      params.values,
    );
    const row = result.rows[0];
    return { total: Number(row.total ?? 0), page: row.page ?? [] };
  }

  // --- bulk load (the Hono import): one statement per batch, where a statement per device would be far too slow ---

  /** Which of these devices exist. */
  async existing(keys: DeviceKey[], via: Queryable = this.db): Promise<DeviceKey[]> {
    const found = await via.query<{ tenant_id: string; id: string }>(
      `SELECT d.tenant_id, d.id FROM devices d
         JOIN unnest($1::text[], $2::text[]) AS i(tenant_id, id) ON d.tenant_id = i.tenant_id AND d.id = i.id`,
      [keys.map((key) => key.tenantId), keys.map((key) => key.id)],
    );
    return found.rows.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }

  /**
   * Inserts the devices that do not exist yet in one statement (a new version each; no `created` means now)
   * and returns those it inserted. The tenants' device counters are the caller's to move, in `tx`.
   */
  async insertMissing(tx: Queryable, devices: BulkDevice[]): Promise<DeviceKey[]> {
    const inserted = await tx.query<{ tenant_id: string; id: string }>(
      `INSERT INTO devices (tenant_id, id, body, version, created, updated)
       SELECT tenant_id, id, body, version, COALESCE(created, date_trunc('second', now())), updated
         FROM jsonb_to_recordset($1::jsonb)
           AS d(tenant_id text, id text, body jsonb, version text, created timestamptz, updated timestamptz)
       ON CONFLICT (tenant_id, id) DO NOTHING
       RETURNING tenant_id, id`,
      [JSON.stringify(bulkRows(devices))],
    );
    return inserted.rows.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }

  /** Replaces these existing devices in one statement (keeping `created` when none is given); returns how many it updated. */
  async replaceAll(tx: Queryable, devices: BulkDevice[]): Promise<number> {
    const result = await tx.query(
      `UPDATE devices d
          SET body = i.body, version = i.version, created = COALESCE(i.created, d.created),
              updated = COALESCE(i.updated, date_trunc('second', now()))
         FROM jsonb_to_recordset($1::jsonb) AS i(tenant_id text, id text, body jsonb, version text, created timestamptz, updated timestamptz)
        WHERE d.tenant_id = i.tenant_id AND d.id = i.id`,
      [JSON.stringify(bulkRows(devices))],
    );
    return result.rowCount ?? 0;
  }

  /** Moves the credentials version of these devices (and locks their rows), as a write of their credentials does. */
  async newCredentialsVersions(tx: Queryable, keys: DeviceKey[]): Promise<void> {
    await tx.query(
      `UPDATE devices d SET credentials_version = gen_random_uuid()::text
         FROM unnest($1::text[], $2::text[]) AS i(tenant_id, id) WHERE d.tenant_id = i.tenant_id AND d.id = i.id`,
      [keys.map((key) => key.tenantId), keys.map((key) => key.id)],
    );
  }
}

class DeviceExists extends Error {}
