import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device credentials (docs/credentials.md): one row per credential, so that `(tenant, type, auth-id)` is a unique
 * constraint and two devices can never both hold one auth-id, whatever the concurrency. The device's
 * credentials version (the ETag of its set) is a column on the device row, which every write locks.
 * See docs/credentials.md.
 */
export class Credentials1767225800000 implements MigrationInterface {
  name = 'Credentials1767225800000';

  async up(db: QueryRunner): Promise<void> {
    // Nullable without a default: adding it does not rewrite a table of a million devices. A device
    // whose set was never written has a version derived from its identity (see credentials.repository.ts).
    await db.query(`ALTER TABLE devices ADD COLUMN credentials_version text`);
    await db.query(`
      CREATE TABLE credentials (
        tenant_id text COLLATE "C" NOT NULL,
        device_id text COLLATE "C" NOT NULL,
        type text COLLATE "C" NOT NULL,
        auth_id text COLLATE "C" NOT NULL,
        -- the place of the credential in the set as the client sent it
        position integer NOT NULL,
        -- what GET returns: the credential and its secrets without anything confidential
        body jsonb NOT NULL,
        -- secret id → confidential part (password hash, salt, hash function; PSK key encrypted with SECRET_KEY)
        confidential jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT credentials_auth_id_key UNIQUE (tenant_id, type, auth_id),
        CONSTRAINT credentials_device_fkey FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE CASCADE
      )`);
    // A device's set, and the cascade from a device delete.
    await db.query(`CREATE INDEX credentials_device_idx ON credentials (tenant_id, device_id, position)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE credentials`);
    await db.query(`ALTER TABLE devices DROP COLUMN credentials_version`);
  }
}
