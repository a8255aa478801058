import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every write that ends trust an instance may have cached (a user's password, name, admin flag or status,
 * its grants, an API token, a cookie session) sends a NOTIFY on `auth_changes` in its own transaction, so
 * it reaches every instance at commit and no write path (service, CLI, foreign-key cascade, hand-made
 * SQL) can forget it. Payloads name ids only, in chunks of 100: `{"users": [uuid…]}`, `{"tokens": [uuid…]}`,
 * `{"sessions": [sha256 of the cookie…]}`. The channel name is AUTH_CHANGES_CHANNEL in libs/auth.
 */
export class AuthChangeNotifications1767226250000 implements MigrationInterface {
  name = 'AuthChangeNotifications1767226250000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION notify_auth_change(kind text, ids text[]) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- PERFORM runs the whole query (a SQL function would stop at its first row)
        PERFORM pg_notify('auth_changes', json_build_object(kind, chunk)::text)
           FROM (SELECT array_agg(id ORDER BY i) AS chunk FROM unnest(ids) WITH ORDINALITY AS u(id, i) GROUP BY (i - 1) / 100) c;
      END $$`);
    // users: row by row (rare, single-row writes); only the columns a cached principal depends on
    await db.query(`
      CREATE FUNCTION users_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR (OLD.username, OLD.password_hash, OLD.enabled, OLD.admin) IS DISTINCT FROM (NEW.username, NEW.password_hash, NEW.enabled, NEW.admin) THEN
          PERFORM notify_auth_change('users', ARRAY[OLD.id::text]);
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER users_auth_changed AFTER UPDATE OF username, password_hash, enabled, admin OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_auth_changed()`);
    // grants, tokens, sessions: once per statement (a tenant delete or the session purge touches many rows)
    await db.query(`
      CREATE FUNCTION grants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM notify_auth_change('users', ARRAY(SELECT DISTINCT user_id::text FROM changed_rows));
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER grants_inserted AFTER INSERT ON user_tenants REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_changed()`);
    await db.query(`CREATE TRIGGER grants_updated AFTER UPDATE ON user_tenants REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_changed()`);
    await db.query(`CREATE TRIGGER grants_deleted AFTER DELETE ON user_tenants REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_changed()`);
    await db.query(`
      CREATE FUNCTION tokens_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM notify_auth_change('tokens', ARRAY(SELECT id::text FROM changed_rows));
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER tokens_deleted AFTER DELETE ON api_tokens REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION tokens_deleted()`);
    await db.query(`
      CREATE FUNCTION token_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (OLD.user_id, OLD.token_hash, OLD.permit) IS DISTINCT FROM (NEW.user_id, NEW.token_hash, NEW.permit) THEN
          PERFORM notify_auth_change('tokens', ARRAY[OLD.id::text]);
        END IF;
        RETURN NULL;
      END $$`);
    // not on last_used: the touch of every use must stay silent
    await db.query(`CREATE TRIGGER token_auth_changed AFTER UPDATE OF user_id, token_hash, permit ON api_tokens FOR EACH ROW EXECUTE FUNCTION token_auth_changed()`);
    await db.query(`
      CREATE FUNCTION sessions_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM notify_auth_change('sessions', ARRAY(SELECT id_hash FROM changed_rows));
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION sessions_deleted()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER sessions_deleted ON sessions`);
    await db.query(`DROP TRIGGER token_auth_changed ON api_tokens`);
    await db.query(`DROP TRIGGER tokens_deleted ON api_tokens`);
    await db.query(`DROP TRIGGER grants_deleted ON user_tenants`);
    await db.query(`DROP TRIGGER grants_updated ON user_tenants`);
    await db.query(`DROP TRIGGER grants_inserted ON user_tenants`);
    await db.query(`DROP TRIGGER users_auth_changed ON users`);
    await db.query(`DROP FUNCTION sessions_deleted(), token_auth_changed(), tokens_deleted(), grants_changed(), users_auth_changed(), notify_auth_change(text, text[])`);
  }
}
