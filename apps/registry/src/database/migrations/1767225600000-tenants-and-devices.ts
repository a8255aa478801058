import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants and devices. Each resource keeps the client's JSON in `body` (GET returns what was stored)
 * plus the columns that lookups, searches and constraints need. See docs/storage.md for the indexes.
 */
export class TenantsAndDevices1767225600000 implements MigrationInterface {
  name = 'TenantsAndDevices1767225600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenants (
        id text COLLATE "C" PRIMARY KEY,
        alias text,
        trust_anchor_group text,
        body jsonb NOT NULL,
        version text NOT NULL,
        device_count bigint NOT NULL DEFAULT 0,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz,
        CONSTRAINT tenants_alias_key UNIQUE (alias)
      )`);
    await db.query(`CREATE INDEX tenants_body_idx ON tenants USING gin (body jsonb_path_ops)`);
    await db.query(`
      CREATE TABLE tenant_trust_anchors (
        tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        subject_dn text NOT NULL,
        trust_anchor_group text,
        PRIMARY KEY (tenant_id, subject_dn)
      )`);
    await db.query(`CREATE INDEX tenant_trust_anchors_subject_idx ON tenant_trust_anchors (subject_dn)`);
    await db.query(`
      CREATE TABLE devices (
        tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id text COLLATE "C" NOT NULL,
        body jsonb NOT NULL,
        version text NOT NULL,
        created timestamptz NOT NULL DEFAULT date_trunc('second', now()),
        updated timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
    // Filters with typed equality use containment (@>) on this index.
    await db.query(`CREATE INDEX devices_body_idx ON devices USING gin (body jsonb_path_ops)`);
    // Sorting and paging by creation time.
    await db.query(`CREATE INDEX devices_created_idx ON devices (tenant_id, created, id)`);
    // isGateway: the few devices that name gateways in `via`, and the members of gateway groups.
    await db.query(`CREATE INDEX devices_with_via_idx ON devices (tenant_id) WHERE body ? 'via'`);
    await db.query(`CREATE INDEX devices_with_member_of_idx ON devices (tenant_id, id) WHERE body ? 'memberOf'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE devices`);
    await db.query(`DROP TABLE tenant_trust_anchors`);
    await db.query(`DROP TABLE tenants`);
  }
}
