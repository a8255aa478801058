import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `credentials` had no primary key, only the unique constraint on `(tenant_id, type, auth_id)` (all NOT
 * NULL). That constraint becomes the primary key under the same name, so the table has a row identity
 * (TypeORM entities, logical replication) and a conflict still names `credentials_auth_id_key`.
 */
export class CredentialsPrimaryKey1767226260000 implements MigrationInterface {
  name = 'CredentialsPrimaryKey1767226260000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE credentials DROP CONSTRAINT credentials_auth_id_key, ADD CONSTRAINT credentials_auth_id_key PRIMARY KEY (tenant_id, type, auth_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE credentials DROP CONSTRAINT credentials_auth_id_key, ADD CONSTRAINT credentials_auth_id_key UNIQUE (tenant_id, type, auth_id)`);
  }
}
