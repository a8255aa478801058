import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alias uniqueness rule moves from a constraint on `tenants` to a small table of its own, so that
 * `tenants` keeps only keys that lead with the tenant id and can be distributed by it on Citus, while
 * `tenant_aliases` becomes a reference table (docs/scaling.md). `tenants.alias` stays for reads.
 */
export class TenantAliases1767226240000 implements MigrationInterface {
  name = 'TenantAliases1767226240000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenant_aliases (
        alias text PRIMARY KEY,
        tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        CONSTRAINT tenant_aliases_tenant_key UNIQUE (tenant_id)
      )`);
    await db.query(`INSERT INTO tenant_aliases (alias, tenant_id) SELECT alias, id FROM tenants WHERE alias IS NOT NULL`);
    await db.query(`ALTER TABLE tenants DROP CONSTRAINT tenants_alias_key`);
    await db.query(`CREATE INDEX tenants_alias_idx ON tenants (alias)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX tenants_alias_idx`);
    await db.query(`ALTER TABLE tenants ADD CONSTRAINT tenants_alias_key UNIQUE (alias)`);
    await db.query(`DROP TABLE tenant_aliases`);
  }
}
