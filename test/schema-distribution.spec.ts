/**
 * The schema stays distributable by tenant on Citus (docs/scaling.md): every tenant-scoped
 * table's primary key and unique constraints lead with its tenant column, and every table is either
 * tenant-scoped or one of the small cross-tenant tables that become reference tables.
 */
import { Client } from 'pg';
import { connect, createTestDatabase } from './setup/test-database';

/** Distributed by tenant: table → its distribution column. */
const DISTRIBUTED: Record<string, string> = {
  tenants: 'id',
  devices: 'tenant_id',
  credentials: 'tenant_id',
};

/**
 * Cross-tenant rules and operator data: small tables, copied to every node as reference tables (sessions,
 * written on use, are distributed by their own key instead; no key of theirs names a tenant).
 */
const CROSS_TENANT = [
  'tenant_aliases', // an alias is unique among all tenants
  'tenant_trust_anchors', // a trusted CA's subject DN is unique among all tenants (trust anchor groups aside)
  'users', // usernames are global
  'user_tenants',
  'api_tokens',
  'sessions',
  'auth_throttle', // failed-login counts of operators and devices: keyed hashes, node-local in spirit (unlogged)
  'operator_known_addresses', // addresses that logged in as a user: per operator, not per tenant
  'peers', // OCPI peers are platforms, not tenants
  'peer_callback_tokens',
  'migrations', // TypeORM's record of applied migrations (stays on the coordinator)
];

interface Key {
  table: string;
  name: string;
  columns: string[];
  primary: boolean;
}

describe('schema: distributable by tenant', () => {
  let db: Client;
  let keys: Key[];
  let tables: string[];

  beforeAll(async () => {
    db = await connect(await createTestDatabase());
    tables = (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.tablename);
    // primary keys, unique constraints and unique indexes (partial and expression ones too), columns in key order
    const { rows } = await db.query(`
      SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary,
             array(SELECT coalesce(a.attname::text, '(expression)')
                     FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                    ORDER BY k.n) AS columns
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace s ON s.oid = t.relnamespace
       WHERE s.nspname = 'public' AND x.indisunique
       ORDER BY 1, 2`);
    keys = rows;
  });
  afterAll(() => db.end());

  it('every table is either distributed by tenant or a cross-tenant table', () => {
    const classified = new Set([...Object.keys(DISTRIBUTED), ...CROSS_TENANT]);
    expect(tables.filter((table) => !classified.has(table))).toEqual([]);
    expect([...classified].filter((table) => !tables.includes(table))).toEqual([]);
  });

  it('every primary key and unique constraint of a distributed table leads with its tenant column', () => {
    const offending = keys
      .filter((key) => key.table in DISTRIBUTED && key.columns[0] !== DISTRIBUTED[key.table])
      .map((key) => `${key.table}.${key.name} (${key.columns.join(', ')})`);
    expect(offending).toEqual([]);
    // a row identity (primary key, else a unique key) that shard moves can replicate by
    for (const table of Object.keys(DISTRIBUTED)) expect([table, keys.some((key) => key.table === table)]).toEqual([table, true]);
  });

  it('foreign keys between distributed tables include the tenant column (co-located joins and cascades)', async () => {
    const { rows } = await db.query(`
      SELECT c.conname AS name, c.conrelid::regclass::text AS "from", c.confrelid::regclass::text AS "to",
             array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns
        FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`);
    const between = rows.filter((fk) => fk.from in DISTRIBUTED && fk.to in DISTRIBUTED);
    expect(between.length).toBeGreaterThan(0);
    for (const fk of between) expect([fk.name, fk.columns[0]]).toEqual([fk.name, DISTRIBUTED[fk.from]]);
  });
});
