/**
 * One instance through a real pgbouncer in transaction mode (Debian's package), in front of the test
 * PostgreSQL: every transaction may land on another server connection, so nothing may rely on session
 * state. Named statements are off there (DATABASE_PREPARED_STATEMENTS=false, see docs/scaling.md).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../apps/registry/src/database/data-source';
import { http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';
import { createTestDatabase } from '../setup/test-database';
import { cleanUp, freePort, tempDir } from './server-process';

jest.setTimeout(60_000);

const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));
if (!PGBOUNCER) console.warn('pgbouncer test skipped: pgbouncer is not installed (apt-get install pgbouncer)');

/** pgbouncer (transaction pooling, two server connections) in front of `databaseUrl`; resolves with its URL once it accepts. */
async function startPgbouncer(databaseUrl: string): Promise<{ url: string; adminUrl: string; process: ChildProcess }> {
  const server = new URL(databaseUrl);
  const dir = tempDir('registry-pgbouncer-');
  chmodSync(dir, 0o777); // started as root, pgbouncer drops to `nobody`
  const port = await freePort();
  const user = decodeURIComponent(server.username || 'postgres');
  writeFileSync(join(dir, 'users.txt'), `"${user}" "${decodeURIComponent(server.password)}"\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir = ''",
      'auth_type = trust', // clients on 127.0.0.1 only; the password in users.txt logs pgbouncer in to PostgreSQL
      `auth_file = ${join(dir, 'users.txt')}`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      'default_pool_size = 2',
      'max_client_conn = 100',
      'ignore_startup_parameters = extra_float_digits',
      ...(process.getuid?.() === 0 ? ['user = nobody'] : []),
      '',
    ].join('\n'),
  );
  const child = spawn(PGBOUNCER!, [join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/pgbouncer';
  for (let i = 0; i < 100; i++) {
    const client = new Client({ connectionString: url.toString() });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { url: url.toString(), adminUrl: adminUrl.toString(), process: child };
    } catch {
      if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`pgbouncer did not accept connections: ${stderr}`);
}

(PGBOUNCER ? describe : describe.skip)('through pgbouncer in transaction mode', () => {
  let bouncer: Awaited<ReturnType<typeof startPgbouncer>>;
  let t: TestApp;

  /** pgbouncer's own count of transactions it passed to PostgreSQL. */
  async function transactions(): Promise<number> {
    const admin = new Client({ connectionString: bouncer.adminUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query('SHOW STATS');
      return rows.reduce((sum, row) => sum + Number(row.total_xact_count), 0);
    } finally {
      await admin.end();
    }
  }

  beforeAll(async () => {
    bouncer = await startPgbouncer(await createTestDatabase());
    // migrations run through it too (one transaction, no session state)
    await migrate(bouncer.url);
    t = await startTestApp({ DATABASE_PREPARED_STATEMENTS: 'false', BCRYPT_MAX_COST: '4' }, { databaseUrl: bouncer.url });
  });
  afterAll(async () => {
    await t?.close();
    bouncer?.process.kill('SIGTERM');
    cleanUp();
  });

  it('writes, transactions, reads and searches all work, many at once', async () => {
    const before = await transactions();
    const api = http(t.baseUrl, t.admin);
    expect((await api.post('/v1/tenants/pooled', { alias: 'pooled-alias', 'trusted-ca': [] })).status).toBe(201);
    // device creates are transactions (the tenant's counter moves with them); run them side by side
    const creates = await Promise.all(Array.from({ length: 20 }, (_, i) => api.post(`/v1/devices/pooled/d-${i}`, { ext: { brand: `acme-${i}` } })));
    expect(creates.map((res) => res.status)).toEqual(Array(20).fill(201));
    // hot reads (named statements where the pool allows them) from many connections at once
    const reads = await Promise.all(Array.from({ length: 60 }, (_, i) => api.get(`/v1/devices/pooled/d-${i % 20}`)));
    expect(reads.map((res) => res.status)).toEqual(Array(60).fill(200));
    expect(reads[7].body.ext).toEqual({ brand: 'acme-7' });

    const etag = reads[3].headers.get('etag')!;
    expect((await api.put('/v1/devices/pooled/d-3', { ext: { brand: 'acme-3b' } }, { headers: { 'if-match': etag } })).status).toBe(204);
    expect((await api.put('/v1/devices/pooled/d-3', { ext: { brand: 'stale' } }, { headers: { 'if-match': etag } })).status).toBe(412);
    const credentials = await api.put('/v1/credentials/pooled/d-1', [{ type: 'hashed-password', 'auth-id': 'd-1', secrets: [{ 'pwd-plain': 'a-password-1' }] }]);
    expect(credentials.status).toBe(204);
    const check = await api.post('/v1/authenticate/pooled', { type: 'hashed-password', 'auth-id': 'd-1', password: 'a-password-1' });
    expect(check.status).toBe(200);

    const search = await api.get(`/v1/devices/pooled?${new URLSearchParams({ filterJson: JSON.stringify({ field: '/ext/brand', value: 'acme-1*' }) })}`);
    expect(search.body.total).toBe(11);
    expect((await api.post('/v1/tenants/other', { alias: 'pooled-alias' })).status).toBe(409); // the rollback leaves nothing
    expect((await api.get('/v1/tenants/other')).status).toBe(404);
    expect((await api.delete('/v1/devices/pooled/d-0')).status).toBe(204);
    const { rows } = await t.db.query(`SELECT device_count::int AS n FROM tenants WHERE id = 'pooled'`);
    expect(rows[0].n).toBe(19);
    expect((await api.delete('/v1/tenants/pooled')).status).toBe(204);

    // all of it went through pgbouncer's two server connections
    expect((await transactions()) - before).toBeGreaterThanOrEqual(20 + 60);
  });

  it('the pool holds at most two server connections to PostgreSQL', async () => {
    const admin = new Client({ connectionString: bouncer.adminUrl });
    await admin.connect();
    const { rows } = await admin.query('SHOW POOLS');
    await admin.end();
    const pool = rows.find((row) => row.database !== 'pgbouncer');
    expect(Number(pool.sv_active) + Number(pool.sv_idle) + Number(pool.sv_used) + Number(pool.sv_tested) + Number(pool.sv_login)).toBeLessThanOrEqual(2);
    expect(pool.pool_mode).toBe('transaction');
  });
});

