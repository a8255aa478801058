import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wildcard filters on any body field (docs/storage.md) through one index: a trigram GIN index over the text of
 * a device's string leaves. A search narrows with it and re-checks the real value at the pointer, so
 * results and totals stay exact. See docs/storage.md for what it costs.
 */
export class DeviceStringSearch1767226230000 implements MigrationInterface {
  name = 'DeviceStringSearch1767226230000';

  async up(db: QueryRunner): Promise<void> {
    // pg_trgm is a trusted extension: the owner of the database may create it without being a superuser.
    await db.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    // Every string anywhere in the body, as a JSON array text (["acme-thermo","gw-1",…]). Immutable, so it
    // can be indexed; searches call it by name, so the planner matches it to the index.
    await db.query(`
      CREATE FUNCTION registry_string_leaves(body jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT jsonb_path_query_array(body, 'strict $.** ? (@.type() == "string")')::text $$`);
    // GIN indexes buffer new entries in a pending list that every search reads through; the default (4 MB)
    // costs a search about 15 ms, so both GIN indexes on devices flush theirs at 256 kB.
    await db.query(`
      CREATE INDEX devices_strings_idx ON devices USING gin (registry_string_leaves(body) gin_trgm_ops)
        WITH (gin_pending_list_limit = 256)`);
    await db.query(`ALTER INDEX devices_body_idx SET (gin_pending_list_limit = 256)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER INDEX devices_body_idx RESET (gin_pending_list_limit)`);
    await db.query(`DROP INDEX devices_strings_idx`);
    await db.query(`DROP FUNCTION registry_string_leaves(jsonb)`);
  }
}
