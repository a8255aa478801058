import { Database, filterConditions, isUniqueViolation, orderBy, Queryable, SearchableTable, SearchParameters, SqlParams } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { StorableTenant } from './tenant-body';

export interface StoredTenant {
  id: string;
  /** The stored JSON as text, spliced into responses without a parse/stringify round trip. */
  body: string;
  version: string;
}

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

  async exists(tenantId: string): Promise<boolean> {
    const found = await this.db.query({ name: 'tenant-exists', text: 'SELECT 1 FROM tenants WHERE id = $1' }, [tenantId]);
    return found.rowCount === 1;
  }

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
      const inserted = await tx.query(
        `INSERT INTO tenants (id, alias, trust_anchor_group, body, version) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [tenantId, tenant.alias, tenant.trustAnchorGroup, tenant.body, version],
      );
      if (inserted.rowCount === 0) throw new Abort({ outcome: 'exists' });
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
      const updated = await tx.query(
        `UPDATE tenants SET body = $2, alias = $3, trust_anchor_group = $4, version = $5, updated = now()
          WHERE id = $1 AND ($6::text[] IS NULL OR version = ANY($6::text[]))`,
        [tenantId, tenant.body, tenant.alias, tenant.trustAnchorGroup, version, expected],
      );
      if (updated.rowCount === 0) throw new Abort({ outcome: (await this.existsIn(tx, tenantId)) ? 'version-mismatch' : 'missing' });
      await tx.query('DELETE FROM tenant_aliases WHERE tenant_id = $1', [tenantId]);
      await this.claimAlias(tx, tenantId, tenant);
      await tx.query('DELETE FROM tenant_trust_anchors WHERE tenant_id = $1', [tenantId]);
      await this.claimTrustAnchors(tx, tenantId, tenant);
      return { outcome: 'ok', version };
    });
  }

  /** One statement: the foreign keys cascade to the tenant's devices (and their credentials) and trust anchors. */
  async delete(tenantId: string, expected: string[] | null): Promise<TenantWriteOutcome> {
    const deleted = await this.db.query(
      'DELETE FROM tenants WHERE id = $1 AND ($2::text[] IS NULL OR version = ANY($2::text[]))',
      [tenantId, expected],
    );
    if (deleted.rowCount === 1) return { outcome: 'ok', version: '' };
    return { outcome: (await this.exists(tenantId)) ? 'version-mismatch' : 'missing' };
  }

  /** One page of a search and the total, in one statement; `visible` limits it to granted tenants (null: all). */
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

  private async write(work: (tx: Queryable) => Promise<TenantWriteOutcome>): Promise<TenantWriteOutcome> {
    try {
      return await this.db.transaction(work);
    } catch (error) {
      if (error instanceof Abort) return error.failure;
      if (isUniqueViolation(error, ALIAS_CONSTRAINT)) return { outcome: 'alias-taken' };
      throw error;
    }
  }

  private async existsIn(tx: Queryable, tenantId: string): Promise<boolean> {
    const found = await tx.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
    return found.rowCount === 1;
  }

  /** The primary key of `tenant_aliases` is the rule: a taken alias fails the statement (and the transaction). */
  private async claimAlias(tx: Queryable, tenantId: string, tenant: StorableTenant): Promise<void> {
    if (tenant.alias !== null) await tx.query('INSERT INTO tenant_aliases (alias, tenant_id) VALUES ($1, $2)', [tenant.alias, tenantId]);
  }

  /**
   * Writers that claim subject DNs take one transaction-scoped lock, so two tenants cannot both check,
   * find a DN free, and take it. Writers that only give DNs up need no lock.
   */
  private async lockTrustAnchors(tx: Queryable, tenant: StorableTenant): Promise<void> {
    if (tenant.subjectDns.length > 0) await tx.query(`SELECT pg_advisory_xact_lock(hashtext('tenant_trust_anchors'))`);
  }

  /** A DN held by another tenant is taken unless both tenants are in the same (non-empty) trust anchor group. */
  private async claimTrustAnchors(tx: Queryable, tenantId: string, tenant: StorableTenant): Promise<void> {
    if (tenant.subjectDns.length === 0) return;
    const taken = await tx.query<{ subject_dn: string }>(
      `SELECT subject_dn FROM tenant_trust_anchors
        WHERE subject_dn = ANY($1::text[]) AND tenant_id <> $2
          AND ($3::text IS NULL OR trust_anchor_group IS DISTINCT FROM $3)
        LIMIT 1`,
      [tenant.subjectDns, tenantId, tenant.trustAnchorGroup],
    );
    if (taken.rowCount !== 0) throw new Abort({ outcome: 'trust-anchor-taken', subjectDn: taken.rows[0].subject_dn });
    await tx.query(
      `INSERT INTO tenant_trust_anchors (tenant_id, subject_dn, trust_anchor_group)
       SELECT $1, dn, $3 FROM unnest($2::text[]) AS dn`,
      [tenantId, tenant.subjectDns, tenant.trustAnchorGroup],
    );
  }

  // --- bulk load (the Hono import) ---

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
