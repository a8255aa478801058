import { timestampText } from '@app/common';
import { Injectable } from '@nestjs/common';
import { Database, filterConditions, orderBy, Queryable, SearchableTable, JsonColumn, SearchParameters, SqlParams, Transaction } from '@app/database';
import { TenantsRepository } from '@app/tenants';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DeviceEntity } from './entities/device.entity';

/** A device as the reads return it: the entity's columns under their column names, the body and the timestamps as text. */
export type StoredDevice = Pick<DeviceEntity, 'id' | 'version'> & {
  /** The stored JSON as text, spliced into responses without a parse/stringify round trip. */
  body: string;
  /** Hono's wire form (`timestampText`), printed by PostgreSQL. */
  created: string;
  updated: string | null;
  auto_provisioned: DeviceEntity['autoProvisioned'];
};

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

/** The timestamps of a device read, printed by PostgreSQL (the page of a search prints them for its rows only). */
const CREATED = `${timestampText('created')} AS created`;
const UPDATED = `${timestampText('updated')} AS updated`;

/**
 * The ETag of a device's credentials. A set that was never written has none stored; its version is
 * derived from the device's identity and creation time, so it is stable, and differs from the version
 * of an earlier device of the same id.
 */
const CREDENTIALS_VERSION = `COALESCE(credentials_version, md5(tenant_id || '/' || id || '/' || extract(epoch FROM created)::text))`;

/**
 * Every query on devices. Writes are one conditional statement, or one transaction where the
 * tenant's device counter (which the tenants repository keeps) moves with them.
 */
@Injectable()
export class DevicesRepository {
  constructor(
    private readonly db: Database,
    private readonly tenants: TenantsRepository,
  ) {}

  // hand-written: the hot path (GET with a token), one prepared statement with the body as text
  async find(tenantId: string, deviceId: string): Promise<StoredDevice | undefined> {
    const result = await this.db.query<StoredDevice>(
      { name: 'device-find', text: `SELECT id, body::text AS body, version, ${CREATED}, ${UPDATED}, auto_provisioned FROM devices WHERE tenant_id = $1 AND id = $2` },
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
      const counted = await this.tenants.countDevice(tx, tenantId, globalLimit);
      if (counted !== 'counted') return { outcome: counted } as CreateOutcome;
      const inserted = await tx.manager
        .createQueryBuilder()
        .insert()
        .into(DeviceEntity)
        .values({ tenantId, id: deviceId, body: body as JsonColumn, version, created: () => `date_trunc('second', now())`, autoProvisioned })
        .orIgnore()
        .returning('id')
        .execute();
      // the counter moved in this transaction: roll it back with the failed insert
      if ((inserted.raw as unknown[]).length === 0) throw new DeviceExists();
      return { outcome: 'created', version } as CreateOutcome;
    }).catch((error) => {
      if (error instanceof DeviceExists) return { outcome: 'exists' } as CreateOutcome;
      throw error;
    });
  }

  /** The version check and the write are one statement: of concurrent writers holding one version, one wins. */
  async update(tenantId: string, deviceId: string, body: object, expected: string[] | null): Promise<WriteOutcome> {
    const version = randomUUID();
    const update = this.db.manager
      .createQueryBuilder()
      .update(DeviceEntity)
      .set({ body: body as JsonColumn, version, updated: () => `date_trunc('second', now())` })
      .where('tenant_id = :tenantId AND id = :deviceId', { tenantId, deviceId });
    if (expected !== null) update.andWhere('version = ANY(:expected)', { expected });
    const updated = await update.execute();
    if (updated.affected === 1) return { outcome: 'ok', version };
    return { outcome: (await this.exists(tenantId, deviceId)) ? 'version-mismatch' : 'missing' };
  }

  /** The conditional delete and the counter move in one transaction. */
  async delete(tenantId: string, deviceId: string, expected: string[] | null): Promise<WriteOutcome> {
    return this.db.transaction(async (tx) => {
      const remove = tx.manager
        .createQueryBuilder()
        .delete()
        .from(DeviceEntity)
        .where('tenant_id = :tenantId AND id = :deviceId', { tenantId, deviceId });
      if (expected !== null) remove.andWhere('version = ANY(:expected)', { expected });
      const deleted = await remove.execute();
      if (deleted.affected === 1) {
        await this.tenants.uncountDevices(tx, tenantId, 1);
        return { outcome: 'ok', version: '' } as WriteOutcome;
      }
      return { outcome: (await this.exists(tenantId, deviceId, tx.manager)) ? 'version-mismatch' : 'missing' } as WriteOutcome;
    });
  }

  async deleteAll(tenantId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.manager.delete(DeviceEntity, { tenantId });
      await this.tenants.resetDeviceCount(tx, tenantId);
    });
  }

  exists(tenantId: string, deviceId: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    return manager.existsBy(DeviceEntity, { tenantId, id: deviceId });
  }

  /**
   * Moves the version of the device's credentials set to `version` if it is one of `expected` (null:
   * any), inside the set's write transaction. The update locks the device row, so concurrent writers
   * of one set queue here, and of N holding one ETag exactly one wins.
   */
  async moveCredentialsVersion(tx: Transaction, tenantId: string, deviceId: string, version: string, expected: string[] | null): Promise<WriteOutcome> {
    const move = tx.manager
      .createQueryBuilder()
      .update(DeviceEntity)
      .set({ credentialsVersion: version })
      .where('tenant_id = :tenantId AND id = :deviceId', { tenantId, deviceId });
    if (expected !== null) move.andWhere(`${CREDENTIALS_VERSION} = ANY(:expected)`, { expected });
    const moved = await move.execute();
    if (moved.affected === 1) return { outcome: 'ok', version };
    return { outcome: (await this.exists(tenantId, deviceId, tx.manager)) ? 'version-mismatch' : 'missing' };
  }

  /** The version of the device's credentials set; undefined when the device is missing. */
  async credentialsVersion(tenantId: string, deviceId: string): Promise<string | undefined> {
    const row = await this.db.manager
      .createQueryBuilder(DeviceEntity, 'd')
      .select(CREDENTIALS_VERSION, 'version')
      .where('d.tenantId = :tenantId AND d.id = :deviceId', { tenantId, deviceId })
      .getRawOne<{ version: string }>();
    return row?.version;
  }

  /**
   * A page of every tenant's devices in (tenant, id) order after `after`: keyset paging on the primary
   * key, so memory and each page's cost stay bounded for a tenant of any size (the Hono export).
   */
  page(after: DeviceKey | null, limit: number): Promise<Array<Pick<DeviceEntity, 'tenantId' | 'id' | 'body' | 'created' | 'updated'>>> {
    const page = this.db.manager.createQueryBuilder(DeviceEntity, 'd').orderBy('d.tenantId').addOrderBy('d.id').take(limit);
    if (after !== null) page.where('(d.tenantId, d.id) > (:tenantId, :id)', { tenantId: after.tenantId, id: after.id });
    return page.getMany();
  }

  /**
   * One page of a search and the total, in one statement. Hand-written: filters and sorts on JSON
   * paths, and totals from the tenant's device counter (read, never written, here).
   */
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
              (SELECT json_agg(json_build_object('id', p.id, 'body', p.body::text, 'version', p.version, 'created', ${timestampText('p.created')}, 'updated', ${timestampText('p.updated')}, 'auto_provisioned', p.auto_provisioned))
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
