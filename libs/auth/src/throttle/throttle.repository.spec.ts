import { Database } from '@app/database';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../../apps/registry/src/database/data-source';
import { connect, createTestDatabase } from '../../../../test/setup/test-database';
import { ThrottleKey, ThrottleRepository } from './throttle.repository';

/** The throttle's statements against a real PostgreSQL: counting, doubling, windows, scopes, purging. */
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

  const addUser = (folded: string) =>
    db.query(`INSERT INTO users (id, username, username_folded, password_hash) VALUES (gen_random_uuid(), $1, $1, 'x')`, [folded]);
  /** A user with a known-address candidate, and a key for each scope. */
  async function scopedUser(folded: string) {
    await addUser(folded);
    const known = { usernameFolded: folded, addressHash: 'address-a' };
    const keys: ThrottleKey[] = [
      { key: `${folded}-stranger`, policy, scope: 'stranger' },
      { key: `${folded}-known`, policy, scope: 'known' },
    ];
    return { known, keys };
  }

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
    const { known, keys } = await scopedUser('scoped');
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

  it('an address stays known for 30 days after its last success', async () => {
    const { known, keys } = await scopedUser('aging');
    await repository.succeeded([], known);
    await db.query(`UPDATE operator_known_addresses SET last_success = now() - interval '29 days' WHERE username_folded = 'aging'`);
    expect(await repository.count(keys, known)).toMatchObject({ known: true });
    // a success moves the 30 days on
    await repository.succeeded([], known);
    expect((await db.query(`SELECT last_success > now() - interval '1 minute' AS fresh FROM operator_known_addresses WHERE username_folded = 'aging'`)).rows[0].fresh).toBe(true);
    await db.query(`UPDATE operator_known_addresses SET last_success = now() - interval '30 days 1 second' WHERE username_folded = 'aging'`);
    expect(await repository.count(keys, known)).toMatchObject({ known: false, keys: ['aging-stranger'] });
  });

  it('purge drops counts whose window passed and block ended, and addresses not known any more', async () => {
    await addUser('purging');
    await repository.succeeded([], { usernameFolded: 'purging', addressHash: 'old' });
    await repository.succeeded([], { usernameFolded: 'purging', addressHash: 'recent' });
    await db.query(`UPDATE operator_known_addresses SET last_success = now() - interval '31 days' WHERE address_hash = 'old'`);
    const passed = freshKey();
    const stillBlocked = freshKey();
    const current = freshKey();
    for (const key of [passed, stillBlocked]) for (let i = 0; i < 6; i++) await repository.count([key]);
    await repository.count([current]);
    await unblock(passed.key);
    await db.query(`UPDATE auth_throttle SET blocked_until = now() + interval '1 minute' WHERE key = $1`, [stillBlocked.key]);
    await db.query(`UPDATE auth_throttle SET window_start = window_start - interval '15 minutes 1 second' WHERE key = ANY($1::text[])`, [[passed.key, stillBlocked.key]]);
    await repository.purge();
    const left = (await db.query<{ key: string }>('SELECT key FROM auth_throttle WHERE key = ANY($1::text[]) ORDER BY key', [[passed.key, stillBlocked.key, current.key]])).rows;
    expect(left.map((row) => row.key).sort()).toEqual([stillBlocked.key, current.key].sort());
    const addresses = (await db.query(`SELECT address_hash FROM operator_known_addresses WHERE username_folded = 'purging'`)).rows;
    expect(addresses).toEqual([{ address_hash: 'recent' }]);
  });
});
