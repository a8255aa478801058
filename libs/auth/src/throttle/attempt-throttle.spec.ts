import { RegistryError } from '@app/common';
import { Database } from '@app/database';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../../apps/registry/src/database/data-source';
import { connect, createTestDatabase } from '../../../../test/setup/test-database';
import { Attempt, AttemptThrottle } from './attempt-throttle';
import { ThrottleRepository } from './throttle.repository';

/** The throttle's rules over its keys, against a real PostgreSQL: which keys an attempt counts for, and the cache's hints. */
describe('AttemptThrottle', () => {
  let dataSource: DataSource;
  let throttle: AttemptThrottle;
  let db: Client;
  let n = 0;
  /** A fresh name, so that the tests share no key. */
  const fresh = (what: string) => `${what}-${++n}`;

  beforeAll(async () => {
    const url = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(url)).initialize();
    throttle = new AttemptThrottle(new ThrottleRepository(new Database(dataSource)), 'a secret key for the throttle tests');
    db = await connect(url);
  });
  afterAll(async () => {
    await db.end();
    await dataSource.destroy();
  });
  afterEach(() => jest.restoreAllMocks());

  /** As if every block had run out. */
  const unblockAll = () => db.query(`UPDATE auth_throttle SET blocked_until = now() - interval '1 ms' WHERE blocked_until > now()`);
  const addUser = (folded: string) =>
    db.query(`INSERT INTO users (id, username, username_folded, password_hash) VALUES (gen_random_uuid(), $1, $1, 'x')`, [folded]);
  const rows = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_throttle')).rows[0].n;

  /** The Retry-After of the 429 a refused attempt throws, or 'allowed'. */
  async function outcome(attempt: () => Promise<unknown>): Promise<number | 'allowed'> {
    try {
      await attempt();
      return 'allowed';
    } catch (error) {
      if (!(error instanceof RegistryError) || error.getStatus() !== 429) throw error;
      return Number(error.headers['retry-after']);
    }
  }

  it('an operator gets 5 free attempts, then a block that doubles with each counted one, up to 30 s', async () => {
    const user = fresh('doubling');
    const address = fresh('192.0.2');
    for (let i = 0; i < 6; i++) expect(await outcome(() => throttle.beforeOperatorPassword(user, address))).toBe('allowed');
    const refusals: number[] = [];
    for (let i = 0; i < 7; i++) {
      refusals.push((await outcome(() => throttle.beforeOperatorPassword(user, address))) as number);
      await unblockAll();
      await throttle.beforeOperatorPassword(user, address);
    }
    expect(refusals).toEqual([1, 2, 4, 8, 16, 30, 30]);
  });

  it('every attempt is counted before its secret is checked: parallel attempts get 5 free and the blocking one', async () => {
    const user = fresh('parallel');
    const address = fresh('192.0.2');
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => outcome(() => throttle.beforeOperatorPassword(user, address))));
    expect(outcomes.filter((o) => o === 'allowed')).toHaveLength(6);
    // nothing was reported as failed or succeeded: the count stands by itself
    const authId = fresh('parallel-device');
    const device = await Promise.all(Array.from({ length: 20 }, () => outcome(() => throttle.beforeDeviceCheck('adapter', 't', authId))));
    expect(device.filter((o) => o === 'allowed')).toHaveLength(6);
  });

  it('a success starts the count again; the address stays counted', async () => {
    const user = fresh('success');
    await addUser(user);
    const address = fresh('192.0.2');
    for (let i = 0; i < 5; i++) await throttle.beforeOperatorPassword(user, address);
    await throttle.succeeded(await throttle.beforeOperatorPassword(user, address));
    await unblockAll();
    // from a second address, the username's count started again: 5 free once more
    const elsewhere = fresh('198.51.100');
    for (let i = 0; i < 5; i++) expect(await outcome(() => throttle.beforeOperatorPassword(user, elsewhere))).toBe('allowed');
    // the first address kept its 6 attempts of 20 free (a guesser's own login never resets it)
    for (let i = 0; i < 15; i++) expect(await outcome(() => throttle.beforeOperatorPassword(fresh('other'), address))).toBe('allowed');
    expect(await outcome(() => throttle.beforeOperatorPassword(fresh('other'), address))).toBe(1);
  });

  it("the owner keeps working from an address it logged in from while a stranger's guesses block the username", async () => {
    const user = fresh('owner');
    await addUser(user);
    const home = fresh('192.0.2');
    await throttle.succeeded(await throttle.beforeOperatorPassword(user, home));
    const stranger = fresh('203.0.113');
    for (let i = 0; i < 6; i++) await throttle.beforeOperatorPassword(user, stranger);
    expect(await outcome(() => throttle.beforeOperatorPassword(user, stranger))).toBe(1);
    // a third address is a stranger too: the username's block holds there
    expect(await outcome(() => throttle.beforeOperatorPassword(user, fresh('198.51.100')))).toBe(1);
    // from home the attempts count for the pair alone, with their own 5 free
    for (let i = 0; i < 6; i++) expect(await outcome(() => throttle.beforeOperatorPassword(user, home))).toBe('allowed');
    expect(await outcome(() => throttle.beforeOperatorPassword(user, home))).toBe(1);
    // an address is known only for the user it logged in as
    const neighbour = fresh('neighbour');
    for (let i = 0; i < 6; i++) await throttle.beforeOperatorPassword(neighbour, fresh('203.0.113'));
    expect(await outcome(() => throttle.beforeOperatorPassword(neighbour, home))).toBe(1);
  });

  it('a success of a name that is no user makes no address known', async () => {
    const ghost = fresh('ghost');
    const address = fresh('192.0.2');
    await throttle.succeeded(await throttle.beforeOperatorPassword(ghost, address));
    for (let i = 0; i < 6; i++) await throttle.beforeOperatorPassword(ghost, fresh('203.0.113'));
    expect(await outcome(() => throttle.beforeOperatorPassword(ghost, address))).toBe(1);
  });

  it('one address is throttled across usernames: 20 free, then up to 60 s', async () => {
    const address = fresh('192.0.2');
    for (let i = 0; i < 21; i++) expect(await outcome(() => throttle.beforeOperatorPassword(fresh('spray'), address))).toBe('allowed');
    const refusals: number[] = [];
    for (let i = 0; i < 8; i++) {
      refusals.push((await outcome(() => throttle.beforeOperatorPassword(fresh('spray'), address))) as number);
      await unblockAll();
      await throttle.beforeOperatorPassword(fresh('spray'), address);
    }
    expect(refusals).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
  });

  it('Bearer tokens that match nothing count for the address, with the passwords tried from there', async () => {
    const address = fresh('192.0.2');
    for (let i = 0; i < 20; i++) await throttle.afterFailedToken(address);
    expect(await outcome(() => throttle.afterFailedToken(address))).toBe('allowed');
    expect(await outcome(() => throttle.afterFailedToken(address))).toBe(1);
    expect(await outcome(() => throttle.beforeOperatorPassword(fresh('user'), address))).toBe(1);
  });

  it('device checks count per calling account, tenant and auth-id, never by address', async () => {
    const authId = fresh('sensor');
    for (let i = 0; i < 6; i++) await throttle.beforeDeviceCheck('adapter-a', 't1', authId);
    expect(await outcome(() => throttle.beforeDeviceCheck('adapter-a', 't1', authId))).toBe(1);
    // another account, another tenant, another auth-id: each its own count
    expect(await outcome(() => throttle.beforeDeviceCheck('adapter-b', 't1', authId))).toBe('allowed');
    expect(await outcome(() => throttle.beforeDeviceCheck('adapter-a', 't2', authId))).toBe('allowed');
    expect(await outcome(() => throttle.beforeDeviceCheck('adapter-a', 't1', fresh('sensor')))).toBe('allowed');
    // a success starts that count again and no other
    await unblockAll();
    const attempt: Attempt = await throttle.beforeDeviceCheck('adapter-a', 't1', authId);
    await throttle.succeeded(attempt);
    for (let i = 0; i < 5; i++) expect(await outcome(() => throttle.beforeDeviceCheck('adapter-a', 't1', authId))).toBe('allowed');
  });

  it('keeps no usernames, addresses or auth-ids in the table, only keyed hashes', async () => {
    const user = fresh('private-user');
    await throttle.beforeOperatorPassword(user, '192.0.2.77');
    await throttle.beforeDeviceCheck('adapter', 'tenant', 'private-device');
    const keys = (await db.query<{ key: string }>('SELECT key FROM auth_throttle')).rows.map((row) => row.key).join(' ');
    expect(keys).not.toMatch(/private|192\.0\.2\.77|adapter|tenant/);
  });

  describe('the hints for cached logins', () => {
    it('a blocked (username, address) pair is not answered from the cache until its block ends or it logs in', async () => {
      const user = fresh('cached');
      const address = fresh('192.0.2');
      for (let i = 0; i < 5; i++) await throttle.beforeOperatorPassword(user, address);
      expect(throttle.allowsCached(user, address)).toBe(true);
      const blocking = await throttle.beforeOperatorPassword(user, address);
      expect(throttle.allowsCached(user, address)).toBe(false);
      // only that pair
      expect(throttle.allowsCached(user, fresh('198.51.100'))).toBe(true);
      expect(throttle.allowsCached(fresh('cached'), address)).toBe(true);
      // the hint expires with the block
      const now = Date.now();
      jest.spyOn(Date, 'now').mockReturnValue(now + 1_001);
      expect(throttle.allowsCached(user, address)).toBe(true);
      jest.restoreAllMocks();
      // a refusal hints again; a verified secret clears it at once
      expect(await outcome(() => throttle.beforeOperatorPassword(user, address))).toBe(1);
      expect(throttle.allowsCached(user, address)).toBe(false);
      await throttle.succeeded(blocking);
      expect(throttle.allowsCached(user, address)).toBe(true);
    });

    it('purge() drops the hints that have expired and the counts whose window has passed', async () => {
      const user = fresh('purged');
      const address = fresh('192.0.2');
      for (let i = 0; i < 6; i++) await throttle.beforeOperatorPassword(user, address);
      expect(throttle.allowsCached(user, address)).toBe(false);
      const before = await rows();
      await unblockAll();
      await db.query(`UPDATE auth_throttle SET window_start = window_start - interval '15 minutes 1 second'`);
      const now = Date.now();
      jest.spyOn(Date, 'now').mockReturnValue(now + 1_001);
      await throttle.purge();
      expect(before).toBeGreaterThan(0);
      expect(await rows()).toBe(0);
      jest.restoreAllMocks();
      // the hint went with the purge, not with this read: the map was emptied
      expect(throttle.allowsCached(user, address)).toBe(true);
    });

    it('at most 10,000 pairs are hinted: a new one pushes out the oldest', async () => {
      const own = new AttemptThrottle(new ThrottleRepository(new Database(dataSource)), 'another secret key');
      jest.spyOn(Date, 'now').mockReturnValue(Date.now());
      const address = fresh('192.0.2');
      // the 21st attempt from one address blocks it: from then on each attempt hints its own pair
      const users = Array.from({ length: 20 + 10_001 }, () => fresh('crowd'));
      for (let i = 0; i < 21; i++) await own.beforeOperatorPassword(users[i], address);
      for (let i = 21; i < users.length; i += 50) {
        await Promise.all(users.slice(i, i + 50).map((user) => outcome(() => own.beforeOperatorPassword(user, address))));
      }
      const hinted = users.slice(20);
      // the oldest went, however many attempts were refused meanwhile
      expect(own.allowsCached(hinted[0], address)).toBe(true);
      expect(hinted.slice(1).filter((user) => own.allowsCached(user, address))).toEqual([]);
    }, 120_000);
  });
});
