/**
 * Several instances of the built server as separate processes on one database (the suite's own, copied
 * from the migrated template), the way docs/instances.md runs them. With helpers to act on either instance.
 */
import { Client } from 'pg';
import { TEST_SECRET_KEY } from '../setup/test-app';
import { connect, createTestDatabase } from '../setup/test-database';
import { basicAuthorization, ensureBuilt, freePort, ProcessAdmin, ServerProcess, spawnServer, waitUntilServing } from '../lifecycle/server-process';

export const INSTANCE_ADMIN: ProcessAdmin = { username: 'instances-admin', password: 'instances-admin-password' };

export interface Instances {
  databaseUrl: string;
  db: Client;
  servers: ServerProcess[];
  /** Headers that authenticate as the bootstrap admin. */
  admin: Record<string, string>;
}

export function spawnInstance(databaseUrl: string, port: number, env: Record<string, string> = {}): ServerProcess {
  return spawnServer({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    SECRET_KEY: TEST_SECRET_KEY,
    ADMIN_USERNAME: INSTANCE_ADMIN.username,
    ADMIN_PASSWORD: INSTANCE_ADMIN.password,
    BCRYPT_MAX_COST: '4',
    LOG_LEVEL: 'warn',
    ...env,
  });
}

/** `count` instances on one fresh database, each serving (and listening for notifications) when this resolves. */
export async function startInstances(count: number, env: Record<string, string> = {}): Promise<Instances> {
  ensureBuilt();
  const databaseUrl = await createTestDatabase();
  const servers: ServerProcess[] = [];
  for (let i = 0; i < count; i++) servers.push(spawnInstance(databaseUrl, await freePort(), env));
  await Promise.all(servers.map((server) => waitUntilServing(server, 60_000)));
  const db = await connect(databaseUrl);
  await waitForListeners(db, count);
  return { databaseUrl, db, servers, admin: { authorization: basicAuthorization(INSTANCE_ADMIN) } };
}

/** The backends of the instances' notification connections. */
export async function listenerPids(db: Client): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'device-registry notifications'`,
  );
  return rows.map((row) => row.pid);
}

export async function waitForListeners(db: Client, count: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await listenerPids(db)).length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} notification connections after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

export async function call(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

export const basic = (username: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Repeats `attempt` until it answers `refused` (a status); resolves with how many milliseconds after the
 * first the refused one was sent (0: refused at once), or with Infinity when none was within `ms`. When
 * it was sent is what counts: how long the refused request itself took (an argon2 check on a busy
 * machine) says nothing about how long the revoked credential was still accepted.
 */
export async function msUntil(attempt: () => Promise<Answer>, refused: number, ms = 5_000): Promise<number> {
  const started = Date.now();
  for (let sent = started; sent - started < ms; sent = Date.now()) {
    if ((await attempt()).status === refused) return sent - started;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Infinity;
}
