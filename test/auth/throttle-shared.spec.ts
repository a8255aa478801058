import { http } from '../setup/http';
import { basic, startTestApp, TestApp } from '../setup/test-app';
import { allowedFailures, createUser, TestUser } from './helpers';

const from = (address: string, headers: Record<string, string>) => ({ ...headers, 'x-forwarded-for': address });
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/**
 * The login throttle (docs/operators.md, docs/instances.md): attempts counted in PostgreSQL before the password is checked,
 * shared by every instance, and never locking the owner out of an address it logged in from.
 * Two apps on one database stand for two instances (each has its own caches and throttle service).
 */
describe('the login throttle, shared through PostgreSQL', () => {
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    one = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    two = await startTestApp({}, { databaseUrl: one.databaseUrl });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('100 parallel wrong passwords for one user: only the throttle\'s allowance (6 within a second) gets a 401, the rest 429 with Retry-After', async () => {
    const user = await createUser(one);
    const api = http(one.baseUrl);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => api.get('/api/me', { headers: from('10.0.1.1', basic(user.username, `wrong-${i}`)) })));
    const statuses = answers.map((res) => res.status);
    expect(count(statuses, 401)).toBeLessThanOrEqual(allowedFailures((Date.now() - started) / 1000));
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(90);
    expect(count(statuses, 429)).toBe(100 - count(statuses, 401));
    for (const res of answers.filter((answer) => answer.status === 429)) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(res.text).not.toContain('wrong-');
    }
  });

  it('a client\'s 32 parallel first requests with the right password are one attempt: all 200, no 429', async () => {
    const user = await createUser(one);
    const api = http(one.baseUrl);
    const answers = await Promise.all(Array.from({ length: 32 }, () => api.get('/api/me', { headers: from('10.0.1.9', basic(user.username, user.password)) })));
    expect(answers.map((res) => res.status)).toEqual(Array(32).fill(200));
    // and the same wrong password sent in parallel is one guess too: it costs the user one attempt, not 32
    const wrong = await Promise.all(Array.from({ length: 32 }, () => api.get('/api/me', { headers: from('10.0.1.10', basic(user.username, 'the-same-guess')) })));
    expect(wrong.map((res) => res.status)).toEqual(Array(32).fill(401));
  });

  it('guesses spread over two instances are counted as one', async () => {
    const user = await createUser(one);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await http(one.baseUrl).get('/api/me', { headers: from('10.0.2.1', basic(user.username, `wrong-a${i}`)) })).status);
    for (let i = 0; i < 3; i++) statuses.push((await http(two.baseUrl).get('/api/me', { headers: basic(user.username, `wrong-b${i}`) })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    // the seventh attempt, on either instance, is refused even with the right password
    expect((await http(one.baseUrl).get('/api/me', { headers: from('10.0.2.1', user.auth) })).status).toBe(429);
    expect((await http(two.baseUrl).get('/api/me', { headers: user.auth })).status).toBe(429);
    // and so are parallel guesses spread over both
    const other = await createUser(one);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => http(i % 2 === 0 ? one.baseUrl : two.baseUrl).get('/api/me', { headers: basic(other.username, `wrong-${i}`) })),
    );
    expect(count(answers.map((res) => res.status), 401)).toBeLessThanOrEqual(allowedFailures((Date.now() - started) / 1000));
  });

  describe('a stranger cannot lock the owner out', () => {
    let owner: TestUser;
    let three: TestApp;
    const OWNER_ADDRESS = '10.0.3.1';

    beforeAll(async () => {
      owner = await createUser(one);
      expect((await http(one.baseUrl).get('/api/me', { headers: from(OWNER_ADDRESS, owner.auth) })).status).toBe(200);
      // a third instance with nothing cached: what it knows about the owner's address comes from PostgreSQL
      three = await startTestApp({ TRUST_PROXY: '127.0.0.1' }, { databaseUrl: one.databaseUrl });
    });
    afterAll(() => three?.close());

    it("wrong passwords from ever-changing addresses block the name for strangers, not at the owner's address", async () => {
      const statuses: number[] = [];
      // a guess every time the block runs out, until the name is blocked for 4 s (time for the checks below)
      for (let i = 0; ; i++) {
        const res = await http(one.baseUrl).get('/api/me', { headers: from(`10.0.4.${i + 1}`, basic(owner.username, `guess-${i}`)) });
        statuses.push(res.status);
        if (res.status !== 429) continue;
        const retryAfter = Number(res.headers.get('retry-after'));
        if (retryAfter >= 4) break;
        await sleep(retryAfter);
      }
      expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
      expect(count(statuses, 401)).toBe(8);
      // the owner, on the instance with nothing cached and on the one with its login cached
      const fresh = await http(three.baseUrl).get('/api/me', { headers: from(OWNER_ADDRESS, owner.auth) });
      expect(fresh.status).toBe(200);
      expect(fresh.body.username).toBe(owner.username);
      expect((await http(one.baseUrl).get('/api/me', { headers: from(OWNER_ADDRESS, owner.auth) })).status).toBe(200);
      // meanwhile the name is still blocked for everyone else, also with the right password
      expect((await http(one.baseUrl).get('/api/me', { headers: from('10.0.4.99', owner.auth) })).status).toBe(429);
      const { rows } = await one.db.query('SELECT count(*)::int AS n FROM operator_known_addresses WHERE username_folded = $1', [owner.username]);
      expect(rows[0].n).toBe(1);
    });

    it("the owner's own typos from its address are still throttled, on their own count", async () => {
      const api = http(one.baseUrl);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await api.get('/api/me', { headers: from(OWNER_ADDRESS, basic(owner.username, `typo-${i}`)) })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429]);
      // the correct password is refused there too while that count blocks: the cache does not answer for it
      expect((await api.get('/api/me', { headers: from(OWNER_ADDRESS, owner.auth) })).status).toBe(429);
    });

    it('X-Forwarded-For is believed only from TRUST_PROXY peers: claiming the owner\'s address gains nothing', async () => {
      const victim = await createUser(one);
      expect((await http(one.baseUrl).get('/api/me', { headers: from('10.0.5.1', victim.auth) })).status).toBe(200);
      const api = http(two.baseUrl);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await api.get('/api/me', { headers: from('10.0.5.1', basic(victim.username, `spoof-${i}`)) })).status);
      expect(statuses.slice(6)).toEqual([429, 429]);
      // through the trusted proxy, the address a client puts in front of the proxy's own entry is not believed either
      const viaProxy = await http(one.baseUrl).get('/api/me', { headers: from('10.0.5.1, 10.0.5.66', basic(victim.username, 'spoof-x')) });
      expect(viaProxy.status).toBe(429);
      expect((await http(one.baseUrl).get('/api/me', { headers: from('10.0.5.1', victim.auth) })).status).toBe(200);
    });
  });
});
