import { Http, http } from '../setup/http';
import { basic, TestApp } from '../setup/test-app';

export interface TestUser {
  username: string;
  password: string;
  auth: Record<string, string>;
}

let counter = 0;

/** A user made through the users API, with the given admin flag and tenant grants. */
export async function createUser(t: TestApp, options: { admin?: boolean; tenants?: Array<{ tenant: string; access: 'read' | 'write' }>; username?: string } = {}): Promise<TestUser> {
  const username = options.username ?? `user${++counter}`;
  const password = `pw-${username}-secret`;
  const res = await http(t.baseUrl, t.admin).post('/api/users', { username, password, admin: options.admin ?? false, tenants: options.tenants ?? [] });
  if (res.status !== 201) throw new Error(`user create: ${res.status} ${res.text}`);
  return { username, password, auth: basic(username, password) };
}

/** An API token minted by the user through POST /api/token (JSON). */
export async function createToken(t: TestApp, user: TestUser, permit = '*'): Promise<string> {
  const res = await http(t.baseUrl, user.auth).post('/api/token', { application: 'tests', purpose: 'testing', permit });
  if (res.status !== 201) throw new Error(`token create: ${res.status} ${res.text}`);
  return res.body.token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export function urlAuth(username: string, password: string): string {
  return `username=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}`;
}

/** GET /api/cookie with the given headers; returns the cookie header value to send back. */
export async function login(api: Http, path = '/api/cookie'): Promise<string> {
  const res = await api.get(path);
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  const setCookie = res.headers.get('set-cookie')!;
  return setCookie.split(';')[0];
}

/**
 * The most 401s a burst of wrong guesses at one key lasting `seconds` can get from the throttle: 5 free
 * attempts and the one that starts the first block (1 s), then one more each time a block (1 s, 2 s, 4 s …)
 * runs out while the burst lasts.
 */
export const allowedFailures = (seconds: number) => 6 + Math.floor(Math.log2(seconds + 1));
