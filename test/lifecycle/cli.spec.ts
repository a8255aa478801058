/** `npm run cli -- …` as a process: the dispatcher, its exit codes, and `migrate` in both database modes. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createEmptyDatabase } from '../setup/test-database';
import { cleanUp, ensureBuilt, freePort, runCli, tempDir } from './server-process';

jest.setTimeout(60_000);

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => cleanUp());

describe('the command dispatcher', () => {
  it('help lists the commands and exits 0', async () => {
    const result = await runCli(['help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run cli -- <command>/);
    expect(result.stdout).toMatch(/^\s+migrate\s+apply pending database migrations/m);
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const result = await runCli([], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run cli');
  });

  it.each([
    [['frobnicate'], 2, /^device-registry: unknown command "frobnicate" \(commands: migrate, user:create, token:create, import, export, help\)$/],
    [['migrate', 'extra'], 2, /^device-registry: migrate takes no arguments/],
    [['help', 'nope'], 2, /^device-registry: unknown command "nope"/],
  ])('%j → exit %i with one line', async (args, code, message) => {
    const result = await runCli(args as string[], {});
    expect(result.code).toBe(code);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message as RegExp);
  });

  it('a bad configuration value → exit 1 naming the variable', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'notaurl' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^device-registry: configuration: DATABASE_URL must be a URL/);
  });
});

describe('migrate', () => {
  it('applies the migrations to DATABASE_URL once, without needing SECRET_KEY', async () => {
    const env = { DATABASE_URL: await createEmptyDatabase('cli') };

    const first = await runCli(['migrate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^migrate: applied \w+/m);
    const second = await runCli(['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('migrate: the database is up to date\n');

    const db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    const { rows } = await db.query(`SELECT to_regclass('public.devices') AS devices`);
    await db.end();
    expect(rows[0].devices).toBe('devices');
  });

  it('fails with exit 1 when DATABASE_URL stays unreachable', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/x`, DATABASE_WAIT_SECONDS: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^device-registry: database not reachable after 0s: .*ECONNREFUSED/);
  });

  it('starts the embedded PostgreSQL in DATA_DIR for the command and stops it after', async () => {
    const dataDir = tempDir();
    const result = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^migrate: applied \w+/m);
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const again = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('migrate: the database is up to date\n');
  });
});

describe('user:create and token:create', () => {
  let env: Record<string, string>;
  let db: Client;

  beforeAll(async () => {
    env = { DATABASE_URL: await createEmptyDatabase('cliusers') };
    expect((await runCli(['migrate'], env)).code).toBe(0);
    db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    await db.query(`INSERT INTO tenants (id, body, version) VALUES ('t1', '{}', 'v1'), ('t2', '{}', 'v1')`);
  });
  afterAll(() => db.end());

  it('creates a user with the password from standard input, never from an argument', async () => {
    const result = await runCli(['user:create', 'Operator', '--tenant', 't1:write', '--tenant', 't2:read', '--password-stdin'], env, 30_000, 'a long password\n');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('created user Operator with t1:write, t2:read\n');
    const { rows } = await db.query(`SELECT u.admin, u.password_hash, json_agg(g.tenant_id || ':' || g.access ORDER BY g.tenant_id) AS grants
                                       FROM users u JOIN user_tenants g ON g.user_id = u.id WHERE u.username = 'Operator' GROUP BY u.id`);
    expect(rows[0]).toMatchObject({ admin: false, grants: ['t1:write', 't2:read'] });
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses an existing name, a short password, a bad grant, and a missing terminal', async () => {
    const admin = await runCli(['user:create', 'root', '--admin', '--password-stdin'], env, 30_000, 'root-password');
    expect(admin.stdout).toBe('created admin user root\n');
    const cases: Array<[string[], string | undefined, number, RegExp]> = [
      [['user:create', 'ROOT', '--password-stdin'], 'another-password', 1, /user ROOT exists/],
      [['user:create', 'shorty', '--password-stdin'], 'short', 1, /password/],
      [['user:create', 'x', '--tenant', 't1', '--password-stdin'], 'long-enough-pw', 2, /--tenant takes/],
      [['user:create', 'x'], undefined, 2, /--password-stdin/],
      [['user:create', 'x', '--password', 'secret'], undefined, 2, /unknown option --password/],
      [['user:create', 'alice', '--tenant', 't1:read', '--tenant', 't1:write', '--password-stdin'], 'long-enough-pw', 1, /^device-registry: each tenant may be granted once\n$/],
      [['user:create', 'alice', '--tenant', 't1:read', '--tenant', 't9:write', '--password-stdin'], 'long-enough-pw', 1, /^device-registry: tenants: no such tenant: t9\n$/],
      [['user:create', 'rοot', '--password-stdin'], 'long-enough-pw', 1, /must not mix scripts/],
      [['user:create', 'ｒoot', '--password-stdin'], 'long-enough-pw', 1, /user ｒoot exists/],
    ];
    for (const [args, input, code, message] of cases) {
      const result = await runCli(args, env, 30_000, input);
      expect([args, result.code]).toEqual([args, code]);
      expect(result.stderr).toMatch(message);
    }
  }, 240_000);

  it('token:create prints a token that works as that user, stored only hashed', async () => {
    const result = await runCli(['token:create', 'operator', '--permit', 'auth,registry.write', '--application', 'cron'], env);
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const { rows } = await db.query('SELECT permit, application, token_hash FROM api_tokens');
    expect(rows).toEqual([{ permit: 'auth,registry.write', application: 'cron', token_hash: createHash('sha256').update(token).digest('hex') }]);
    const bad = await runCli(['token:create', 'operator', '--permit', 'auth,fly'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown right in permit: fly/);
    expect((await runCli(['token:create', 'nobody'], env)).stderr).toMatch(/no user nobody/);
    const escalating = await runCli(['token:create', 'operator', '--permit', 'auth,users.admin,peering.admin'], env);
    expect(escalating.code).toBe(2);
    expect(escalating.stderr).toBe('device-registry: permit names rights only administrators have: users.admin, peering.admin\n');
    expect((await db.query('SELECT count(*)::int AS n FROM api_tokens')).rows[0].n).toBe(1);
  }, 120_000);

  it('user:create on a fresh DATA_DIR migrates it first', async () => {
    const dataDir = tempDir();
    const result = await runCli(['user:create', 'first', '--admin', '--password-stdin'], { DATA_DIR: dataDir }, 60_000, 'first-admin-password');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('created admin user first\n');
  }, 120_000);
});
