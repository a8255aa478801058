import { Database, filterConditions, isUniqueViolation, orderBy, SearchableTable, JsonColumn, SearchParameters, Queryable, SqlParams, Transaction } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, MoreThan } from 'typeorm';
import { TenantAliasEntity, TenantEntity, TenantTrustAnchorEntity } from './entities/tenant.entity';
import type { StorableTenant } from './tenant-body';

export type StoredTenant = Pick<TenantEntity, 'id' | 'version'> & {
  /** The stored JSON as text, spliced into responses without a parse/stringify round trip. */
  body: string;
};

/** A trusted CA of a tenant, with what decides whether a client certificate it issued may be used. */
export interface TrustedCaForAuthentication {
  not_before: string;
  not_after: string;
  auth_id_template: string | null;
}

/** Whether a device could be counted against its tenant's limit. */
export type DeviceCountOutcome = 'counted' | 'tenant-missing' | 'limit-reached';

/** A tenant's device limit: its own `registration-limits.max-devices`, else the global one; negative means none. */
const DEVICE_LIMIT = `COALESCE((body #>> '{registration-limits,max-devices}')::bigint, :globalLimit)`;

/** Why a write did not happen; each maps to one HTTP status in the service. */
export type TenantWriteFailure =
  | { outcome: 'exists' | 'missing' | 'version-mismatch' | 'alias-taken' }
  | { outcome: 'trust-anchor-taken'; subjectDn: string };
export type TenantWriteOutcome = { outcome: 'ok'; version: string } | TenantWriteFailure;

export const TENANTS_TABLE: SearchableTable = {
  table: 'tenants',
  columns: { '/id': { column: 'id', type: 'text' } },
};

const ALIAS_CONSTRAINT = 'tenant_aliases_pkey';

/** Ends a transaction with a rollback and an outcome for the caller. */
class Abort extends Error {
  constructor(readonly failure: TenantWriteFailure) {
    super(failure.outcome);
  }
}

/** Every query on tenants, their aliases and their trust anchor index. */
@Injectable()
export class TenantsRepository {
  constructor(private readonly db: Database) {}

  // hand-written: checked on device and credential requests, one prepared statement
  async exists(tenantId: string): Promise<boolean> {
    const found = await this.db.query({ name: 'tenant-exists', text: 'SELECT 1 FROM tenants WHERE id = $1' }, [tenantId]);
    return found.rowCount === 1;
  }

  // hand-written: the body as text, spliced into the response unparsed, in one prepared statement
  async find(tenantId: string): Promise<StoredTenant | undefined> {
    const found = await this.db.query<StoredTenant>(
      { name: 'tenant-find', text: 'SELECT id, body::text AS body, version FROM tenants WHERE id = $1' },
      [tenantId],
    );
    return found.rows[0];
  }

  /** Inserts the tenant and claims its trust anchors in one transaction; an existing id is left alone. */
  create(tenantId: string, tenant: StorableTenant): Promise<TenantWriteOutcome> {
    const version = randomUUID();
    return this.write(async (tx) => {
      await this.lockTrustAnchors(tx, tenant);
      const inserted = await tx.manager
        .createQueryBuilder()
        .insert()
        .into(TenantEntity)
        .values({ id: tenantId, alias: tenant.alias, trustAnchorGroup: tenant.trustAnchorGroup, body: tenant.body as JsonColumn, version, created: () => 'now()' })
        .orIgnore()
        .returning('id')
        .execute();
      if ((inserted.raw as unknown[]).length === 0) throw new Abort({ outcome: 'exists' });
      await this.claimAlias(tx, tenantId, tenant);
      await this.claimTrustAnchors(tx, tenantId, tenant);
      return { outcome: 'ok', version };
    });
  }

  /**
   * Full replace. The version check and the write are one statement: of concurrent writers holding
   * one version exactly one matches, the others find the new version (412).
   */
  update(tenantId: string, tenant: StorableTenant, expected: string[] | null): Promise<TenantWriteOutcome> {
    const version = randomUUID();
    return this.write(async (tx) => {
      await this.lockTrustAnchors(tx, tenant);
      const update = tx.manager
        .createQueryBuilder()
        .update(TenantEntity)
        .set({ body: tenant.body as JsonColumn, alias: tenant.alias, trustAnchorGroup: tenant.trustAnchorGroup, version, updated: () => 'now()' })
        .where('id = :tenantId', { tenantId });
      if (expected !== null) update.andWhere('version = ANY(:expected)', { expected });
      const updated = await update.execute();
      if (updated.affected === 0) throw new Abort({ outcome: (await this.existsIn(tx.manager, tenantId)) ? 'version-mismatch' : 'missing' });
      await tx.manager.delete(TenantAliasEntity, { tenantId });
      await this.claimAlias(tx, tenantId, tenant);
      await tx.manager.delete(TenantTrustAnchorEntity, { tenantId });
      await this.claimTrustAnchors(tx, tenantId, tenant);
      return { outcome: 'ok', version };
    });
  }

  /** One statement: the foreign keys cascade to the tenant's devices (and their credentials) and trust anchors. */
  async delete(tenantId: string, expected: string[] | null): Promise<TenantWriteOutcome> {
    const remove = this.db.manager.createQueryBuilder().delete().from(TenantEntity).where('id = :tenantId', { tenantId });
    if (expected !== null) remove.andWhere('version = ANY(:expected)', { expected });
    const deleted = await remove.execute();
    if (deleted.affected === 1) return { outcome: 'ok', version: '' };
    return { outcome: (await this.exists(tenantId)) ? 'version-mismatch' : 'missing' };
  }

  /**
   * Counts one more device of the tenant, inside the device's create transaction. One conditional
   * update checks the limit and locks the tenant row, so concurrent creates cannot exceed it.
   */
  async countDevice(tx: Transaction, tenantId: string, globalLimit: number): Promise<DeviceCountOutcome> {
    const counted = await tx.manager
      .createQueryBuilder()
      .update(TenantEntity)
      .set({ deviceCount: () => 'device_count + 1' })
      .where('id = :tenantId', { tenantId })
      .andWhere(`(${DEVICE_LIMIT} < 0 OR device_count < ${DEVICE_LIMIT})`, { globalLimit })
      .execute();
    if (counted.affected === 1) return 'counted';
    return (await this.existsIn(tx.manager, tenantId)) ? 'limit-reached' : 'tenant-missing';
  }

  /** Counts `count` devices fewer (they were deleted in `tx`). */
  async uncountDevices(tx: Transaction, tenantId: string, count: number): Promise<void> {
    await tx.manager
      .createQueryBuilder()
      .update(TenantEntity)
      .set({ deviceCount: () => 'device_count - :count' })
      .where('id = :tenantId', { tenantId, count })
      .execute();
  }

  /** The tenant has no devices left (all deleted in `tx`). */
  async resetDeviceCount(tx: Transaction, tenantId: string): Promise<void> {
    await tx.manager.update(TenantEntity, { id: tenantId }, { deviceCount: '0' });
  }

  /**
   * A page of tenants in id order after `after` (keyset paging: each page is an index range scan,
   * however far into the table), for a reader that must not hold them all (the Hono export).
   */
  page(after: string | null, limit: number): Promise<Array<Pick<TenantEntity, 'id' | 'body'>>> {
    return this.db.manager.find(TenantEntity, {
      select: { id: true, body: true },
      where: after === null ? {} : { id: MoreThan(after) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** The tenant's `registration-limits.max-credentials-per-device` (null: none), read in the credentials' write transaction. */
  async maxCredentialsPerDevice(tx: Transaction, tenantId: string): Promise<number | null> {
    const row = await tx.manager
      .createQueryBuilder(TenantEntity, 't')
      .select(`t.body #>> '{registration-limits,max-credentials-per-device}'`, 'max')
      .where('t.id = :tenantId', { tenantId })
      .getRawOne<{ max: string | null }>();
    return row?.max == null ? null : Number(row.max);
  }

  /**
   * The tenant's trusted CAs with this subject DN: validity and auth-id-template. Every writer stores
   * `trusted-ca` as a list (storableTenant). Hand-written: a device authentication's lookup, one prepared statement.
   */
  async trustedCas(tenantId: string, subjectDn: string): Promise<TrustedCaForAuthentication[]> {
    const result = await this.db.query<TrustedCaForAuthentication>(
      {
        name: 'tenant-trusted-cas-by-subject',
        text: `SELECT ca ->> 'not-before' AS not_before, ca ->> 'not-after' AS not_after, ca ->> 'auth-id-template' AS auth_id_template
                 FROM tenants t, jsonb_array_elements(t.body -> 'trusted-ca') ca
                WHERE t.id = $1 AND ca ->> 'subject-dn' = $2`,
      },
      [tenantId, subjectDn],
    );
    return result.rows;
  }

  /**
   * One page of a search and the total, in one statement; `visible` limits it to granted tenants (null: all).
   * Hand-written: filters and sorts on JSON paths, built by the search query builder of libs/database.
   */
  async search(search: SearchParameters, visible: string[] | null): Promise<{ total: number; page: Array<{ id: string; body: string }> }> {
    const params = new SqlParams();
    const where = filterConditions(TENANTS_TABLE, search.filters, params);
    if (visible !== null) where.push(`t.id = ANY(${params.add(visible)}::text[])`);
    const condition = where.length === 0 ? 'true' : where.join(' AND ');
    const order = orderBy(TENANTS_TABLE, search.sorts, params);
    const limit = params.add(search.pageSize);
    const offset = params.add(search.pageSize * search.pageOffset);
    const result = await this.db.query<{ total: string; page: Array<{ id: string; body: string }> | null }>(
      `SELECT (SELECT count(*) FROM tenants t WHERE ${condition}) AS total,
              (SELECT json_agg(json_build_object('id', p.id, 'body', p.body::text) ORDER BY p.position)
                 FROM (SELECT t.id, t.body, row_number() OVER (ORDER BY ${order}) AS position
                         FROM tenants t WHERE ${condition}
                        ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}) p) AS page`,
      params.values,
    );
    const row = result.rows[0];
    return { total: Number(row.total), page: row.page ?? [] };
  }

  private async write(work: (tx: Transaction) => Promise<TenantWriteOutcome>): Promise<TenantWriteOutcome> {
    try {
      return await this.db.transaction(work);
    } catch (error) {
      if (error instanceof Abort) return error.failure;
      if (isUniqueViolation(error, ALIAS_CONSTRAINT)) return { outcome: 'alias-taken' };
      throw error;
    }
  }

  private existsIn(manager: EntityManager, tenantId: string): Promise<boolean> {
    return manager.existsBy(TenantEntity, { id: tenantId });
  }

  /** The primary key of `tenant_aliases` is the rule: a taken alias fails the statement (and the transaction). */
  private async claimAlias(tx: Transaction, tenantId: string, tenant: StorableTenant): Promise<void> {
    if (tenant.alias !== null) await tx.manager.insert(TenantAliasEntity, { alias: tenant.alias, tenantId });
  }

  /**
   * Writers that claim subject DNs take one transaction-scoped lock, so two tenants cannot both check,
   * find a DN free, and take it. Writers that only give DNs up need no lock.
   */
  private async lockTrustAnchors(tx: Transaction, tenant: StorableTenant): Promise<void> {
    // hand-written: an advisory lock is no statement on an entity
    if (tenant.subjectDns.length > 0) await tx.query(`SELECT pg_advisory_xact_lock(hashtext('tenant_trust_anchors'))`);
  }

  /** A DN held by another tenant is taken unless both tenants are in the same (non-empty) trust anchor group. */
  private async claimTrustAnchors(tx: Transaction, tenantId: string, tenant: StorableTenant): Promise<void> {
    if (tenant.subjectDns.length === 0) return;
    const taken = tx.manager
      .createQueryBuilder(TenantTrustAnchorEntity, 'a')
      .select('a.subjectDn', 'subjectDn')
      .where('a.subjectDn = ANY(:subjectDns)', { subjectDns: tenant.subjectDns })
      .andWhere('a.tenantId <> :tenantId', { tenantId });
    if (tenant.trustAnchorGroup !== null) taken.andWhere('a.trustAnchorGroup IS DISTINCT FROM :group', { group: tenant.trustAnchorGroup });
    const held = await taken.limit(1).getRawOne<{ subjectDn: string }>();
    if (held) throw new Abort({ outcome: 'trust-anchor-taken', subjectDn: held.subjectDn });
    await tx.manager.insert(
      TenantTrustAnchorEntity,
      tenant.subjectDns.map((subjectDn) => ({ tenantId, subjectDn, trustAnchorGroup: tenant.trustAnchorGroup })),
    );
  }

  // --- bulk load (the Hono import): one statement per batch, where a statement per tenant would be far too slow ---

  /** Which of these tenants exist. */
  async existingIds(ids: string[]): Promise<string[]> {
    const found = await this.db.query<{ id: string }>('SELECT id FROM tenants WHERE id = ANY($1::text[])', [ids]);
    return found.rows.map((row) => row.id);
  }

  /** Adds devices a bulk load inserted to their tenants' counters, in the load's transaction (no limit applies to an import). */
  async addToDeviceCounts(tx: Queryable, added: Map<string, number>): Promise<void> {
    if (added.size === 0) return;
    await tx.query(
      `UPDATE tenants t SET device_count = t.device_count + c.n
         FROM unnest($1::text[], $2::bigint[]) AS c(tenant_id, n) WHERE t.id = c.tenant_id`,
      [[...added.keys()], [...added.values()]],
    );
  }
}
