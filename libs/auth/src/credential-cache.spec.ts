import { PgNotifications } from '@app/database';
import { AUTH_CHANGES_CHANNEL, CredentialCache } from './credential-cache';
import { Permit } from './permit';
import { Principal } from './principal';

/** The part of PgNotifications the cache uses, driven by the test. */
class FakeNotifications {
  connected = false;
  handler: (payload: string) => void = () => undefined;
  listener: (connected: boolean) => void = () => undefined;
  subscribe(channel: string, handler: (payload: string) => void) {
    expect(channel).toBe(AUTH_CHANGES_CHANNEL);
    this.handler = handler;
    return Promise.resolve(() => undefined);
  }
  onConnectionChange(listener: (connected: boolean) => void) {
    this.listener = listener;
    return () => undefined;
  }
  set(connected: boolean) {
    this.connected = connected;
    this.listener(connected);
  }
}

const principal = (userId: string, tokenId: string | null = null, tenants: string[] = []) =>
  new Principal(userId, userId, false, Permit.parse('*'), tokenId ? 'token' : 'password', new Map(tenants.map((t) => [t, 'read' as const])), tokenId);

async function cacheWith(connected: boolean) {
  const notifications = new FakeNotifications();
  notifications.connected = connected;
  const cache = new CredentialCache(notifications as unknown as PgNotifications);
  await cache.onModuleInit();
  return { cache, notifications };
}

describe('CredentialCache', () => {
  it('serves and stores nothing before the notification connection is up', async () => {
    const { cache, notifications } = await cacheWith(false);
    cache.set('k', principal('u1'), 10_000, cache.stamp());
    expect(cache.get('k')).toBeUndefined();
    notifications.set(true);
    expect(cache.get('k')).toBeUndefined();
    cache.set('k', principal('u1'), 10_000, cache.stamp());
    expect(cache.get('k')?.userId).toBe('u1');
  });

  it('bypasses while the connection is down and comes back empty (changes may have been missed)', async () => {
    const { cache, notifications } = await cacheWith(true);
    cache.set('k', principal('u1'), 10_000, cache.stamp());
    notifications.set(false);
    expect(cache.get('k')).toBeUndefined();
    notifications.set(true);
    expect(cache.get('k')).toBeUndefined();
  });

  it('drops what a notification names: users, tokens, sessions', async () => {
    const { cache, notifications } = await cacheWith(true);
    cache.set('u1', principal('u1'), 10_000, cache.stamp());
    cache.set('u2', principal('u2'), 10_000, cache.stamp());
    cache.set('t1', principal('u3', 'tok-1'), 10_000, cache.stamp());
    cache.setSession('s1', { principal: principal('u4'), lastUsed: Date.now(), expires: Date.now() + 10_000, touching: false }, cache.stamp());
    notifications.handler(JSON.stringify({ users: ['u1'] }));
    notifications.handler(JSON.stringify({ tokens: ['tok-1'] }));
    notifications.handler(JSON.stringify({ sessions: ['s1'] }));
    expect([cache.get('u1'), cache.get('t1'), cache.session('s1')]).toEqual([undefined, undefined, undefined]);
    expect(cache.get('u2')?.userId).toBe('u2');
    notifications.handler('not json');
    expect(cache.get('u2')).toBeUndefined();
  });

  it('a read that raced with a change does not store what the change revoked', async () => {
    const { cache, notifications } = await cacheWith(true);
    const stamp = cache.stamp(); // a request starts reading the database…
    notifications.handler(JSON.stringify({ users: ['u1'] })); // …a change commits meanwhile…
    cache.set('k', principal('u1'), 10_000, stamp); // …and the old row it read must not be kept
    expect(cache.get('k')).toBeUndefined();
  });

  it("a user's or a token's change drops its cookie sessions too", async () => {
    const { cache, notifications } = await cacheWith(true);
    const session = (p: Principal) => ({ principal: p, lastUsed: Date.now(), expires: Date.now() + 10_000, touching: false });
    cache.setSession('s-user', session(principal('u1')), cache.stamp());
    cache.setSession('s-token', session(principal('u2', 'tok-2')), cache.stamp());
    cache.setSession('s-other', session(principal('u3')), cache.stamp());
    notifications.handler(JSON.stringify({ users: ['u1'], tokens: ['tok-2'] }));
    expect([cache.session('s-user'), cache.session('s-token')]).toEqual([undefined, undefined]);
    expect(cache.session('s-other')?.principal.userId).toBe('u3');
  });

  it('an entry ends with its time to live', async () => {
    const { cache } = await cacheWith(true);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      cache.set('k', principal('u1'), 1_000, cache.stamp());
      clock.mockReturnValue(now + 999);
      expect(cache.get('k')?.userId).toBe('u1');
      clock.mockReturnValue(now + 1_000);
      expect(cache.get('k')).toBeUndefined();
    } finally {
      clock.mockRestore();
    }
  });

  it('holds at most 10,000 credentials and 10,000 sessions: a new key pushes out the oldest, a stored one is replaced in place', async () => {
    const { cache } = await cacheWith(true);
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, principal(`u${i}`), 60_000, cache.stamp());
    cache.set('k0', principal('u0-again'), 60_000, cache.stamp());
    expect(cache.get('k0')?.userId).toBe('u0-again');
    expect(cache.get('k1')?.userId).toBe('u1');
    cache.set('new', principal('new'), 60_000, cache.stamp());
    expect(cache.get('k0')).toBeUndefined();
    expect([cache.get('k1')?.userId, cache.get('k9999')?.userId, cache.get('new')?.userId]).toEqual(['u1', 'u9999', 'new']);
    // sessions are counted apart
    const session = { principal: principal('s'), lastUsed: Date.now(), expires: Date.now() + 60_000, touching: false };
    for (let i = 0; i < 10_000; i++) cache.setSession(`s${i}`, session, cache.stamp());
    expect(cache.get('k1')?.userId).toBe('u1');
    cache.setSession('s-new', session, cache.stamp());
    expect([cache.session('s0'), cache.session('s1')?.principal.userId]).toEqual([undefined, 's']);
  });

  it('a deleted tenant drops the principals granted it; sessions end at their expiry', async () => {
    const { cache } = await cacheWith(true);
    cache.set('granted', principal('u1', null, ['t1']), 10_000, cache.stamp());
    cache.set('other', principal('u2', null, ['t2']), 10_000, cache.stamp());
    cache.dropTenant('t1');
    expect(cache.get('granted')).toBeUndefined();
    expect(cache.get('other')?.userId).toBe('u2');
    cache.setSession('s', { principal: principal('u1'), lastUsed: Date.now() - 5_000, expires: Date.now() - 1, touching: false }, cache.stamp());
    expect(cache.session('s')).toBeUndefined();
  });
});
