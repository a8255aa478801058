import { MigrationInterface, QueryRunner } from 'typeorm';

/** Operators: users, their tenant grants, API tokens and cookie sessions (docs/operators.md). */
export class Operators1767225700000 implements MigrationInterface {
  name = 'Operators1767225700000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        username text NOT NULL,
        -- case-folded in the service (Unicode-aware, whatever the database's collation)
        username_folded text NOT NULL,
        password_hash text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        admin boolean NOT NULL DEFAULT false,
        credentials_changed timestamptz NOT NULL DEFAULT now(),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX users_username_key ON users (username_folded)`);
    await db.query(`
      CREATE TABLE user_tenants (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        tenant_id text COLLATE "C" NOT NULL,
        access text NOT NULL CHECK (access IN ('read', 'write')),
        PRIMARY KEY (user_id, tenant_id)
      )`);
    await db.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        token_prefix text NOT NULL,
        application text NOT NULL,
        purpose text NOT NULL,
        permit text NOT NULL,
        created timestamptz NOT NULL DEFAULT now(),
        refreshed timestamptz NOT NULL DEFAULT now(),
        last_used timestamptz,
        CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
      )`);
    await db.query(`CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)`);
    await db.query(`
      CREATE TABLE sessions (
        id_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_id uuid REFERENCES api_tokens (id) ON DELETE CASCADE,
        permit text NOT NULL,
        created timestamptz NOT NULL DEFAULT now(),
        last_used timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX sessions_user_idx ON sessions (user_id)`);
    await db.query(`CREATE INDEX sessions_last_used_idx ON sessions (last_used)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE sessions`);
    await db.query(`DROP TABLE api_tokens`);
    await db.query(`DROP TABLE user_tenants`);
    await db.query(`DROP TABLE users`);
  }
}
