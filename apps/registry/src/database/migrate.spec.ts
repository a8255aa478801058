import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrlFor } from '../../../../test/setup/test-database';
import { MIGRATIONS, migrate } from './data-source';

/** Replicas that start together all run `migrate()` on one database at the same moment. */
describe('migrate()', () => {
  const serverUrl = process.env.TEST_SERVER_URL!;
  let name: string;

  beforeEach(async () => {
    name = `registry_migrate_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
  });

  afterEach(async () => {
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('runs each migration once when several instances migrate a fresh database at the same time', async () => {
    const url = databaseUrlFor(serverUrl, name);
    const results = await Promise.allSettled([migrate(url), migrate(url), migrate(url), migrate(url)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const applied = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    expect(applied).toHaveLength(MIGRATIONS.length);

    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM migrations');
      expect(Number(rows[0].count)).toBe(MIGRATIONS.length);
    } finally {
      await client.end();
    }
  });

  it('applies nothing the second time', async () => {
    const url = databaseUrlFor(serverUrl, name);
    await migrate(url);
    await expect(migrate(url)).resolves.toEqual([]);
  });
});
