import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate, MIGRATIONS } from '../apps/registry/src/database/data-source';
import { createEmptyDatabase } from './setup/test-database';

/** The hardening migration on a database that already has operators: look-alike names and stale grants. */
describe('migration OperatorsHardened1767226100000', () => {
  let url: string;
  let db: Client;

  beforeAll(async () => {
    url = await createEmptyDatabase('hardening');
    // the schema as it was before this migration
    const before = new DataSource({ ...dataSourceOptions(url), migrations: MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.name === 'OperatorsHardened1767226100000')) });
    await before.initialize();
    await before.runMigrations({ transaction: 'all' });
    await before.destroy();
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(() => db.end());

  it('refolds names (the oldest look-alike keeps the name), drops grants on missing tenants, and adds the tables', async () => {
    const users: Array<[string, string]> = [
      ['ross', 'ross'],
      ['roſſ', 'roſſ'],
      ['ｒoss', 'ｒoss'],
      ['Straße', 'straße'],
      ['Alice', 'alice'],
    ];
    for (const [i, [username, folded]] of users.entries()) {
      await db.query(`INSERT INTO users (id, username, username_folded, password_hash, created) VALUES (gen_random_uuid(), $1, $2, 'x', now() + make_interval(secs => $3))`, [username, folded, i]);
    }
    await db.query(`INSERT INTO tenants (id, body, version) VALUES ('kept', '{}', 'v1')`);
    await db.query(`INSERT INTO user_tenants (user_id, tenant_id, access) SELECT id, t, 'read' FROM users, unnest(ARRAY['kept', 'gone']) t WHERE username = 'Alice'`);

    // this migration and every later one
    const from = MIGRATIONS.findIndex((m) => m.name === 'OperatorsHardened1767226100000');
    expect(await migrate(url)).toEqual(MIGRATIONS.slice(from).map((m) => m.name));

    const { rows } = await db.query('SELECT username, username_folded FROM users ORDER BY created');
    expect(rows.map((row) => row.username_folded)).toEqual(['ross', expect.stringMatching(/^LOOK-ALIKE OF ross /), expect.stringMatching(/^LOOK-ALIKE OF ross /), 'strasse', 'alice']);
    expect((await db.query('SELECT tenant_id FROM user_tenants')).rows).toEqual([{ tenant_id: 'kept' }]);
    await expect(db.query(`INSERT INTO user_tenants (user_id, tenant_id, access) SELECT id, 'gone', 'read' FROM users WHERE username = 'Alice'`)).rejects.toMatchObject({ code: '23503' });
    await db.query(`DELETE FROM tenants WHERE id = 'kept'`);
    expect((await db.query('SELECT count(*)::int AS n FROM user_tenants')).rows[0].n).toBe(0);
    const { rows: tables } = await db.query(`SELECT relname, relpersistence FROM pg_class WHERE relname IN ('auth_throttle', 'operator_known_addresses') ORDER BY relname`);
    expect(tables).toEqual([
      { relname: 'auth_throttle', relpersistence: 'u' },
      { relname: 'operator_known_addresses', relpersistence: 'p' },
    ]);
  });
});
