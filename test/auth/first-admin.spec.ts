/**
 * After `npm ci && npm start` someone can log in. With no operator and no ADMIN_*, the embedded
 * database gets `admin` with a generated password in DATA_DIR/admin-password (mode 600); with DATABASE_URL
 * nobody is created and the console says how to create the first admin.
 */
import { REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFirstAdmin } from '../../apps/registry/src/first-admin';
import { http } from '../setup/http';
import { basic, startTestApp, TestApp } from '../setup/test-app';

let t: TestApp;
let config: RegistryConfig;
let dataDir: string;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '', BCRYPT_MAX_COST: '4' });
  config = t.app.get(REGISTRY_CONFIG);
  dataDir = mkdtempSync(join(tmpdir(), 'first-admin-'));
});
afterAll(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const users = async () => (await t.db.query('SELECT username, admin FROM users')).rows;

describe('the first admin', () => {
  it('with DATABASE_URL: creates nobody and says how to create the first admin', async () => {
    const line = await ensureFirstAdmin(t.app, config, t.baseUrl);
    expect(line).toContain('no operator exists yet: create the first admin with `npm run cli -- user:create admin --admin`');
    expect(await users()).toEqual([]);
  });

  it('embedded: creates admin with a generated password in DATA_DIR/admin-password (mode 600) that logs in', async () => {
    const embedded = { ...config, databaseUrl: undefined, dataDir };
    const line = await ensureFirstAdmin(t.app, embedded, t.baseUrl);
    const file = join(dataDir, 'admin-password');
    expect(line).toBe(`created the operator "admin"; its password is in ${file}: curl -u admin:$(cat ${file}) ${t.baseUrl}/api/me`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(await users()).toEqual([{ username: 'admin', admin: true }]);
    const me = await http(t.baseUrl, basic('admin', password)).get('/api/me');
    expect(me.status).toBe(200);

    // the next start keeps it and says how to log in again
    expect(await ensureFirstAdmin(t.app, embedded, t.baseUrl)).toBe(`log in as admin with the password in ${file}: curl -u admin:$(cat ${file}) ${t.baseUrl}/api/me`);
    expect(readFileSync(file, 'utf8').trim()).toBe(password);
    expect(await users()).toHaveLength(1);
  });
});
