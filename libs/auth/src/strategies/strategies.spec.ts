import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../authenticator';
import { Principal } from '../principal';
import { basicCredentials, BasicStrategy } from './basic.strategy';
import { BearerStrategy } from './bearer.strategy';
import { CookieStrategy } from './cookie.strategy';
import { UrlStrategy } from './url.strategy';
import { WaysOptions } from './ways';

type Outcome = { kind: 'success'; principal: unknown } | { kind: 'fail' } | { kind: 'error'; status: unknown };

const someone = { userId: 'u1' } as unknown as Principal;

/** Runs one strategy as passport does (a per-request object with success/fail/error) against a recording Authenticator. */
function attempt(strategy: object, request: Partial<FastifyRequest>, answer: Principal | undefined = undefined) {
  const calls: unknown[][] = [];
  const record = (name: string) => (...args: unknown[]) => (calls.push([name, ...args]), Promise.resolve(answer));
  const authenticator = { bySession: record('session'), authenticatePassword: record('password'), byBearer: record('bearer') } as unknown as Authenticator;
  const options: WaysOptions = { session: false, authenticator };
  return new Promise<{ outcome: Outcome; calls: unknown[][] }>((resolve) => {
    const running = Object.assign(Object.create(strategy) as { authenticate(request: unknown, options: WaysOptions): void }, {
      success: (principal: unknown) => resolve({ outcome: { kind: 'success', principal }, calls }),
      fail: () => resolve({ outcome: { kind: 'fail' }, calls }),
      error: (error: { getStatus?: () => number }) => resolve({ outcome: { kind: 'error', status: error.getStatus?.() }, calls }),
    });
    running.authenticate({ headers: {}, query: {}, ip: '192.0.2.1', ...request }, options);
  });
}

const basic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });

describe('the OVMS strategies', () => {
  it('Basic: the password is everything after the first colon', () => {
    expect(basicCredentials(Buffer.from('alice:pa:ss:').toString('base64'))).toEqual({ username: 'alice', password: 'pa:ss:' });
    expect(basicCredentials(Buffer.from('no colon').toString('base64'))).toBeUndefined();
  });

  it('Basic verifies through the Authenticator with the client address, and fails (next way) when wrong', async () => {
    const right = await attempt(new BasicStrategy(), { headers: basic('alice:a:b') }, someone);
    expect(right.outcome).toEqual({ kind: 'success', principal: someone });
    expect(right.calls).toEqual([['password', 'alice', 'a:b', '192.0.2.1']]);
    expect((await attempt(new BasicStrategy(), { headers: basic('alice:wrong') })).outcome.kind).toBe('fail');
    expect((await attempt(new BasicStrategy(), { headers: { authorization: 'Bearer x' } })).calls).toEqual([]);
  });

  it('URL form: query only; present but wrong or incomplete is a 401 error (no fall-through), absent tries the next way', async () => {
    const url = new UrlStrategy();
    expect(url.name).toBe('ovms-url');
    const right = await attempt(url, { query: { username: ['alice', 'x'], password: 'secret' } }, someone);
    expect(right.outcome).toEqual({ kind: 'success', principal: someone });
    expect(right.calls).toEqual([['password', 'alice', 'secret', '192.0.2.1']]);
    expect((await attempt(url, { query: { username: 'alice', password: 'wrong' } })).outcome).toEqual({ kind: 'error', status: 401 });
    expect((await attempt(url, { query: { username: 'alice' } })).outcome).toEqual({ kind: 'error', status: 401 });
    expect((await attempt(url, { query: { password: '' } })).outcome).toEqual({ kind: 'error', status: 401 });
    const bodyOnly = await attempt(url, { query: {}, body: { username: 'alice', password: 'secret' } }, someone);
    expect(bodyOnly).toEqual({ outcome: { kind: 'fail' }, calls: [] });
  });

  it('Bearer reads the header only, never an access_token parameter', async () => {
    const header = await attempt(new BearerStrategy(), { headers: { authorization: 'bearer  abc' } }, someone);
    expect(header.calls).toEqual([['bearer', 'abc', '192.0.2.1']]);
    expect(header.outcome.kind).toBe('success');
    expect(await attempt(new BearerStrategy(), { query: { access_token: 'abc' } }, someone)).toEqual({ outcome: { kind: 'fail' }, calls: [] });
  });

  it('the cookie: a live session succeeds, a dead one tries the next way', async () => {
    const live = await attempt(new CookieStrategy(), { cookies: { ovmsapisession: 'sid' } }, someone);
    expect(live.calls).toEqual([['session', 'sid']]);
    expect(live.outcome.kind).toBe('success');
    expect((await attempt(new CookieStrategy(), { cookies: { ovmsapisession: 'gone' } })).outcome.kind).toBe('fail');
    expect((await attempt(new CookieStrategy(), { cookies: {} })).calls).toEqual([]);
  });
});
