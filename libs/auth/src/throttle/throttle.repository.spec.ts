import { Database } from '@app/database';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../../apps/registry/src/database/data-source';
import { connect, createTestDatabase } from '../../../../test/setup/test-database';
import { ThrottleKey, ThrottleRepository } from './throttle.repository';

/** The throttle's one statement against a real PostgreSQL: counting, doubling, windows, scopes. */
describe('ThrottleRepository', () => {
  let dataSource: DataSource;
  let repository: ThrottleRepository;
  let db: Client;
  const policy = { free: 5, maxBlockSeconds: 30 };
  let n = 0;
  const freshKey = (): ThrottleKey => ({ key: `key-${++n}`, policy });

  beforeAll(async () => {
    const url = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(url)).initialize();
    repository = new ThrottleRepository(new Database(dataSource));
    db = await connect(url);
  });
  afterAll(async () => {
    await db.end();
    await dataSource.destroy();
  });

  /** As if the key's block had run out. */
  const unblock = (key: string) => db.query(`UPDATE auth_throttle SET blocked_until = now() - interval '1 ms' WHERE key = $1 AND blocked_until > now()`, [key]);

  it('5 attempts are free, then each counted one blocks for twice as long, up to the maximum', async () => {
    const key = freshKey();
    for (let i = 0; i < 5; i++) expect(await repository.count([key])).toMatchObject({ allowed: true, retryAfter: 0 });
    const blocks: number[] = [];
    for (let i = 0; i < 7; i++) {
      const outcome = await repository.count([key]);
      expect(outcome.allowed).toBe(true);
      blocks.push(outcome.retryAfter);
      await unblock(key.key);
    }
    expect(blocks).toEqual([1, 2, 4, 8, 16, 30, 30]);
  });

  it('a blocked key refuses attempts without counting them, and tells how long to wait', async () => {
    const key = freshKey();
    for (let i = 0; i < 6; i++) await repository.count([key]);
    const refused = await repository.count([key]);
    expect(refused).toMatchObject({ allowed: false, retryAfter: 1 });
    expect((await db.query('SELECT attempts FROM auth_throttle WHERE key = $1', [key.key])).rows[0].attempts).toBe(6);
    // another key is not affected
    expect((await repository.count([freshKey()])).allowed).toBe(true);
  });

  it('parallel attempts are counted one by one', async () => {
    const key = freshKey();
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => repository.count([key])));
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(6);
  });

  it('an attempt refused by one key still counts for the others', async () => {
    const blocked = freshKey();
    const other = freshKey();
    for (let i = 0; i < 6; i++) await repository.count([blocked]);
    expect((await repository.count([blocked, other])).allowed).toBe(false);
    expect((await db.query('SELECT attempts FROM auth_throttle WHERE key = $1', [other.key])).rows[0].attempts).toBe(1);
  });

  it('a success clears the count; a quiet window of 15 minutes starts it again', async () => {
    const key = freshKey();
    for (let i = 0; i < 6; i++) await repository.count([key]);
    await repository.succeeded([key.key]);
    expect(await repository.count([key])).toMatchObject({ allowed: true, retryAfter: 0 });
    for (let i = 0; i < 5; i++) await repository.count([key]);
    await unblock(key.key);
    await db.query(`UPDATE auth_throttle SET window_start = window_start - interval '15 minutes 1 second' WHERE key = $1`, [key.key]);
    expect(await repository.count([key])).toMatchObject({ allowed: true, retryAfter: 0 });
    expect((await db.query('SELECT attempts FROM auth_throttle WHERE key = $1', [key.key])).rows[0].attempts).toBe(1);
  });

  it('scoped keys apply by whether the address is known for the user', async () => {
    await db.query(`INSERT INTO users (id, username, username_folded, password_hash) VALUES (gen_random_uuid(), 'scoped', 'scoped', 'x')`);
    const known = { usernameFolded: 'scoped', addressHash: 'address-a' };
    const keys: ThrottleKey[] = [
      { key: 'scoped-stranger', policy, scope: 'stranger' },
      { key: 'scoped-known', policy, scope: 'known' },
    ];
    expect(await repository.count(keys, known)).toMatchObject({ allowed: true, known: false, keys: ['scoped-stranger'] });
    await repository.succeeded(['scoped-stranger'], known);
    expect(await repository.count(keys, known)).toMatchObject({ allowed: true, known: true, keys: ['scoped-known'] });
    expect(await repository.count(keys, { ...known, addressHash: 'address-b' })).toMatchObject({ known: false, keys: ['scoped-stranger'] });
    // known addresses go with their user
    await db.query(`DELETE FROM users WHERE username_folded = 'scoped'`);
    expect((await db.query(`SELECT count(*)::int AS n FROM operator_known_addresses WHERE username_folded = 'scoped'`)).rows[0].n).toBe(0);
  });

  it('a success of a user deleted since the login clears its keys and knows no address', async () => {
    const key = freshKey();
    await repository.count([key]);
    await repository.succeeded([key.key], { usernameFolded: 'deleted-meanwhile', addressHash: 'address-a' });
    expect((await db.query('SELECT 1 FROM auth_throttle WHERE key = $1', [key.key])).rowCount).toBe(0);
    expect((await db.query(`SELECT 1 FROM operator_known_addresses WHERE username_folded = 'deleted-meanwhile'`)).rowCount).toBe(0);
  });

  it('the purge drops counts whose window has passed and addresses unused for 30 days, and nothing else', async () => {
    await db.query(`INSERT INTO users (id, username, username_folded, password_hash) VALUES (gen_random_uuid(), 'purged', 'purged', 'x')`);
    const [old, fresh, blocked] = [freshKey(), freshKey(), freshKey()];
    for (const key of [old, fresh, blocked]) await repository.count([key]);
    await db.query(`UPDATE auth_throttle SET window_start = now() - interval '16 minutes' WHERE key = ANY($1)`, [[old.key, blocked.key]]);
    await db.query(`UPDATE auth_throttle SET blocked_until = now() + interval '1 minute' WHERE key = $1`, [blocked.key]);
    await repository.succeeded([], { usernameFolded: 'purged', addressHash: 'stale' });
    await repository.succeeded([], { usernameFolded: 'purged', addressHash: 'recent' });
    await db.query(`UPDATE operator_known_addresses SET last_success = now() - interval '31 days' WHERE address_hash = 'stale'`);
    await repository.purge();
    const keys = (await db.query('SELECT key FROM auth_throttle WHERE key = ANY($1) ORDER BY key', [[old.key, fresh.key, blocked.key]])).rows.map((row) => row.key);
    expect(keys).toEqual([fresh.key, blocked.key].sort());
    const addresses = (await db.query(`SELECT address_hash FROM operator_known_addresses WHERE username_folded = 'purged'`)).rows.map((row) => row.address_hash);
    expect(addresses).toEqual(['recent']);
  });
});
