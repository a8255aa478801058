/**
 * `npm run cli -- import hono <dir>` and `export hono <dir>` as processes, against the database of an
 * in-process service (whose routes then show what was imported).
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, Http } from '../setup/http';
import { startTestApp, TEST_SECRET_KEY, TestApp } from '../setup/test-app';
import { cleanUp, ensureBuilt, ROOT, runCli, tempDir } from './server-process';

jest.setTimeout(240_000);

const FIXTURES = join(ROOT, 'test/fixtures/hono');
const PASSWORD = 'hono-secret'; // the password behind the fixtures' bcrypt and sha-512 hashes

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => cleanUp());

const cliEnv = (t: TestApp) => ({ DATABASE_URL: t.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, BCRYPT_MAX_COST: '4' });
const importHono = (t: TestApp, dir: string, ...flags: string[]) => runCli(['import', 'hono', dir, ...flags], cliEnv(t));
const exportHono = (t: TestApp, dir: string) => runCli(['export', 'hono', dir], cliEnv(t));

/** The summary row of `name`: [imported, updated, skipped, failed]. */
function row(stdout: string, name: string): number[] {
  const match = new RegExp(`^${name}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, 'm').exec(stdout);
  if (!match) throw new Error(`no summary row ${name} in:\n${stdout}`);
  return match.slice(1).map(Number);
}

async function counts(t: TestApp) {
  const { rows } = await t.db.query(
    `SELECT (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM devices)::int AS devices,
            (SELECT count(*) FROM credentials)::int AS credentials`,
  );
  return rows[0];
}

describe('import hono: the input is checked first', () => {
  it("accepts the names of Hono's examples (example-tenants.json, …)", async () => {
    const t = await startTestApp({ BCRYPT_MAX_COST: '4' });
    try {
      const dir = tempDir();
      cpSync(FIXTURES, dir, { recursive: true });
      for (const file of readdirSync(dir)) renameSync(join(dir, file), join(dir, `example-${file}`));
      const result = await importHono(t, dir, '--dry-run');
      expect(result.code).toBe(0);
      expect(row(result.stdout, 'tenants')).toEqual([3, 0, 0, 0]);
      expect(row(result.stdout, 'credentials')).toEqual([6, 0, 0, 0]);
    } finally {
      await t.close();
    }
  });

  it('a directory without Hono files fails before a database or a key is made', async () => {
    const dataDir = tempDir();
    const empty = tempDir();
    const result = await runCli(['import', 'hono', empty], { DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `device-registry: ${empty}: none of tenants.json or example-tenants.json, device-identities.json or example-device-identities.json, credentials.json or example-credentials.json found`,
    );
    expect(readdirSync(dataDir)).toEqual([]); // no cluster, no secret.key
    expect(existsSync(join(dataDir, 'secret.key'))).toBe(false);
  });
});

describe('import hono', () => {
  let t: TestApp;
  let api: Http;

  beforeAll(async () => {
    t = await startTestApp({ BCRYPT_MAX_COST: '4' });
    api = http(t.baseUrl, t.admin);
  });
  afterAll(() => t.close());

  it('--dry-run validates and reports, and writes nothing', async () => {
    const result = await importHono(t, FIXTURES, '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('(dry run: nothing written)');
    expect(result.stdout).toMatch(/^\s+would add\s+would update\s+skipped\s+failed$/m);
    expect(row(result.stdout, 'tenants')).toEqual([3, 0, 0, 0]);
    expect(row(result.stdout, 'devices')).toEqual([8, 0, 0, 0]);
    expect(row(result.stdout, 'credentials')).toEqual([6, 0, 0, 0]);
    expect(await counts(t)).toEqual({ tenants: 0, devices: 0, credentials: 0 });
  });

  it("loads Hono's files: summary, progress lines, warnings for what Hono ignored", async () => {
    const result = await importHono(t, FIXTURES);
    expect(result.code).toBe(0);
    expect(row(result.stdout, 'tenants')).toEqual([3, 0, 0, 0]);
    expect(row(result.stdout, 'devices')).toEqual([8, 0, 0, 0]);
    expect(row(result.stdout, 'credentials')).toEqual([6, 0, 0, 0]);
    // not a terminal: plain progress lines
    expect(result.stderr).toMatch(/^importing devices: 8\/8 \(100%/m);
    expect(result.stderr).toContain('warning: device-identities.json[0].devices[0] (tenant DEFAULT_TENANT, device 4711): ignored unknown property "comment"');
    expect(await counts(t)).toEqual({ tenants: 3, devices: 8, credentials: 6 });
  });

  it('leaves the planner statistics current: the tables it wrote are analyzed, their row counts known', async () => {
    const { rows } = await t.db.query(
      `SELECT s.relname, s.last_analyze IS NOT NULL AS analyzed, c.reltuples::int AS tuples
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.relname IN ('tenants', 'devices', 'credentials') ORDER BY s.relname`,
    );
    expect(rows).toEqual([
      { relname: 'credentials', analyzed: true, tuples: 6 },
      { relname: 'devices', analyzed: true, tuples: 8 },
      { relname: 'tenants', analyzed: true, tuples: 3 },
    ]);
  });

  it('stores what the API serves: normalised tenants, devices with their timestamps, counters in step', async () => {
    const tenant = await api.get('/v1/tenants/DEFAULT_TENANT');
    expect(tenant.status).toBe(200);
    expect(tenant.body['trusted-ca']).toHaveLength(1); // a single object in Hono's file
    expect(tenant.body['trusted-ca'][0]['subject-dn']).toBe('CN=DEFAULT_TENANT_CA,OU=Hono,O=Eclipse IoT,L=Ottawa,C=CA');
    expect((await api.get('/v1/tenants/LIMITED_TENANT')).body['resource-limits']).toEqual({ 'max-connections': 10, 'max-ttl': 60 });

    const device = await api.get('/v1/devices/DEFAULT_TENANT/4712');
    expect(device.body).toEqual({ enabled: true, via: ['gw-1'], status: { created: '2020-09-16T12:33:43Z', updated: '2020-09-16T12:33:53Z' } });
    expect((await api.get('/v1/devices/DEFAULT_TENANT/4713')).body.via).toEqual(['gw-1']); // a single id in the file
    expect((await api.get('/v1/devices/DEFAULT_TENANT/gw-2')).body.memberOf).toEqual(['group-1', 'group-2']);
    const { rows } = await t.db.query(`SELECT id, device_count::int AS n FROM tenants ORDER BY id`);
    expect(rows).toEqual([
      { id: 'DEFAULT_TENANT', n: 7 },
      { id: 'HTTP_TENANT', n: 1 },
      { id: 'LIMITED_TENANT', n: 0 },
    ]);
    const search = await api.get('/v1/devices/DEFAULT_TENANT?pageSize=1');
    expect(search.body.total).toBe(7);
  });

  it('keeps password hashes as they are: the devices authenticate with their passwords', async () => {
    const authenticate = (tenant: string, authId: string, password: string) =>
      api.post(`/v1/authenticate/${tenant}`, { type: 'hashed-password', 'auth-id': authId, password });
    const bcrypt = await authenticate('DEFAULT_TENANT', 'sensor1', PASSWORD);
    expect(bcrypt.status).toBe(200);
    expect(bcrypt.body).toEqual({ 'tenant-id': 'DEFAULT_TENANT', 'device-id': '4711', 'auth-id': 'sensor1' });
    expect((await authenticate('DEFAULT_TENANT', 'gw', PASSWORD)).status).toBe(200); // salted sha-512
    expect((await authenticate('HTTP_TENANT', 'http-1', PASSWORD)).status).toBe(200);
    expect((await authenticate('DEFAULT_TENANT', 'sensor1', 'wrong')).status).toBe(401);
    const credentials = await api.get('/v1/credentials/DEFAULT_TENANT/4711');
    expect(credentials.body[0].secrets[0].id).toBe('b8c6f3a4-6c1e-4f0e-9d3e-3c1b2a9e0a11'); // secret ids kept
    expect(JSON.stringify(credentials.body)).not.toContain('pwd-hash');
    const { rows } = await t.db.query(`SELECT confidential FROM credentials WHERE tenant_id = 'DEFAULT_TENANT' AND type = 'psk' AND auth_id = 'sensor1'`);
    expect(Object.values(rows[0].confidential)[0]).toEqual({ key: expect.stringMatching(/^v1\./) }); // sealed with SECRET_KEY
  });

  it('re-running skips what exists; --update replaces it', async () => {
    const again = await importHono(t, FIXTURES);
    expect(again.code).toBe(0);
    expect(row(again.stdout, 'tenants')).toEqual([0, 0, 3, 0]);
    expect(row(again.stdout, 'devices')).toEqual([0, 0, 8, 0]);
    expect(row(again.stdout, 'credentials')).toEqual([0, 0, 6, 0]);

    const dir = tempDir();
    cpSync(FIXTURES, dir, { recursive: true });
    const devices = JSON.parse(readFileSync(join(dir, 'device-identities.json'), 'utf8'));
    devices[1].devices[0].data.defaults = { 'content-type': 'text/plain' };
    writeFileSync(join(dir, 'device-identities.json'), JSON.stringify(devices));
    const credentials = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
    credentials[1].credentials[0].enabled = false;
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify(credentials));

    const updated = await importHono(t, dir, '--update');
    expect(updated.code).toBe(0);
    expect(row(updated.stdout, 'tenants')).toEqual([0, 3, 0, 0]);
    expect(row(updated.stdout, 'devices')).toEqual([0, 8, 0, 0]);
    expect(row(updated.stdout, 'credentials')).toEqual([0, 6, 0, 0]);
    expect((await api.get('/v1/devices/HTTP_TENANT/http-1')).body.defaults).toEqual({ 'content-type': 'text/plain' });
    expect((await api.get('/v1/credentials/HTTP_TENANT/http-1')).body[0].enabled).toBe(false);
    expect(await counts(t)).toEqual({ tenants: 3, devices: 8, credentials: 6 });
    const { rows } = await t.db.query(`SELECT device_count::int AS n FROM tenants WHERE id = 'DEFAULT_TENANT'`);
    expect(rows[0].n).toBe(7);
  });

  it('an auth-id another device holds in the database fails only that device: the rest of the batch loads', async () => {
    const dir = tempDir();
    const bcrypt = '$2a$04$WMzZP9mjUYKgen8.JMvPkefJEVFvuyWphEADCr4XYtF.S5ymtuTT.';
    writeFileSync(
      join(dir, 'credentials.json'),
      JSON.stringify([
        {
          tenant: 'DEFAULT_TENANT',
          credentials: [
            { 'device-id': '4713', type: 'hashed-password', 'auth-id': 'sensor1', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': bcrypt }] },
            { 'device-id': '4714', type: 'x509-cert', 'auth-id': 'CN=4714' }, // Hono's files may leave the secret out
          ],
        },
      ]),
    );
    const result = await importHono(t, dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "error: credentials.json[0].credentials[0] (tenant DEFAULT_TENANT, device 4713): an auth-id of this device's credentials is already used by another device of tenant DEFAULT_TENANT",
    );
    expect(row(result.stdout, 'credentials')).toEqual([1, 0, 0, 1]);
    expect((await api.get('/v1/credentials/DEFAULT_TENANT/4714')).body).toEqual([
      { type: 'x509-cert', 'auth-id': 'CN=4714', secrets: [{ id: expect.any(String) }] },
    ]);
    expect((await api.get('/v1/credentials/DEFAULT_TENANT/4713')).body).toEqual([]);
  });
});

describe('import hono with bad records', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('reports each with its file and position, loads the rest, and exits 1', async () => {
    t = await startTestApp({ BCRYPT_MAX_COST: '4' });
    const dir = tempDir();
    writeFileSync(
      join(dir, 'tenants.json'),
      JSON.stringify([{ 'tenant-id': 'good', enabled: true }, { enabled: true }, { 'tenant-id': 'bad-type', enabled: 'yes' }]),
    );
    writeFileSync(
      join(dir, 'device-identities.json'),
      JSON.stringify([
        {
          tenant: 'good',
          devices: [
            { 'device-id': 'd1', data: { enabled: true } },
            { 'device-id': 'no spaces', data: {} },
            { 'device-id': 'gw', data: { via: ['x'], memberOf: ['g'] } },
            { 'device-id': 'd2', data: { enabled: true } },
            { 'device-id': 'd1', data: {} },
          ],
        },
        { tenant: 'missing', devices: [{ 'device-id': 'm1', data: {} }] },
      ]),
    );
    const bcrypt = '$2a$04$WMzZP9mjUYKgen8.JMvPkefJEVFvuyWphEADCr4XYtF.S5ymtuTT.';
    writeFileSync(
      join(dir, 'credentials.json'),
      JSON.stringify([
        {
          tenant: 'good',
          credentials: [
            { 'device-id': 'd1', type: 'hashed-password', 'auth-id': 'd1', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': bcrypt }] },
            { 'device-id': 'd2', type: 'hashed-password', 'auth-id': 'd2', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': 'not-a-hash' }] },
            { 'device-id': 'd2', type: 'hashed-password', 'auth-id': 'd1', secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': bcrypt }] },
            { 'device-id': 'ghost', type: 'psk', 'auth-id': 'ghost', secrets: [{ key: 'a2V5' }] },
            { 'device-id': 'd2', type: 'psk', 'auth-id': 'd2', secrets: [{ key: 'a2V5' }] },
          ],
        },
      ]),
    );
    const result = await importHono(t, dir);
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toEqual([
      'error: tenants.json[1]: tenant id is required',
      expect.stringMatching(/^error: tenants\.json\[2\] \(tenant bad-type\): enabled must be a boolean/),
      expect.stringMatching(/^error: device-identities\.json\[0\]\.devices\[1\] \(tenant good, device no spaces\): device id must match/),
      'error: device-identities.json[0].devices[2] (tenant good, device gw): a device with memberOf (a gateway) cannot have via or viaGroups',
      'error: device-identities.json[0].devices[4] (tenant good, device d1): device d1 is in the file more than once',
      'error: device-identities.json[1].devices[0] (tenant missing, device m1): tenant missing not found',
      expect.stringMatching(/^error: credentials\.json\[0\]\.credentials\[1\] \(tenant good, device d2\): secrets\[0\]\.pwd-hash is not a bcrypt hash/),
      'error: credentials.json[0].credentials[2] (tenant good, device d2): type hashed-password with auth-id "d1" is in the file for device d1 too',
      'error: credentials.json[0].credentials[3] (tenant good, device ghost): device ghost of tenant good not found',
    ]);
    expect(result.stderr.trim().split('\n').pop()).toBe('device-registry: import: 9 records failed (listed above)');
    expect(row(result.stdout, 'tenants')).toEqual([1, 0, 0, 2]);
    expect(row(result.stdout, 'devices')).toEqual([2, 0, 0, 4]);
    expect(row(result.stdout, 'credentials')).toEqual([2, 0, 0, 3]);
    expect(await counts(t)).toEqual({ tenants: 1, devices: 2, credentials: 2 });
  });
});

describe('export hono', () => {
  let source: TestApp;
  let target: TestApp;
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('writes the three files, and importing them into a fresh database gives the same data', async () => {
    source = await startTestApp({ BCRYPT_MAX_COST: '4' });
    target = await startTestApp({ BCRYPT_MAX_COST: '4' });
    expect((await importHono(source, FIXTURES)).code).toBe(0);

    const first = tempDir();
    const exported = await exportHono(source, first);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/: 3 tenants, 8 devices, 6 credentials/);
    const credentials = JSON.parse(readFileSync(join(first, 'credentials.json'), 'utf8'));
    const psk = credentials[0].credentials.find((c: { type: string; 'auth-id': string }) => c.type === 'psk' && c['auth-id'] === 'little-sensor2');
    expect(psk.secrets.map((s: { key: string }) => s.key)).toEqual(['cGFzc3dvcmRfb2xk', 'cGFzc3dvcmRfbmV3']); // decrypted
    expect(readFileSync(join(first, 'tenants.json'), 'utf8')).toMatch(/^\[\n {2}\{\n {4}"tenant-id": /); // pretty JSON
    // password hashes and clear PSK keys: for the owner only
    for (const file of ['tenants.json', 'device-identities.json', 'credentials.json']) expect(statSync(join(first, file)).mode & 0o777).toBe(0o600);

    const imported = await importHono(target, first);
    expect(imported.code).toBe(0);
    expect(imported.stderr).not.toContain('warning');
    const second = tempDir();
    expect((await exportHono(target, second)).code).toBe(0);
    for (const file of ['tenants.json', 'device-identities.json', 'credentials.json']) {
      expect(readFileSync(join(second, file), 'utf8')).toBe(readFileSync(join(first, file), 'utf8'));
    }

    // and the service serves the same resources
    const a = http(source.baseUrl, source.admin);
    const b = http(target.baseUrl, target.admin);
    for (const path of ['/v1/tenants/DEFAULT_TENANT', '/v1/devices/DEFAULT_TENANT/4711', '/v1/credentials/DEFAULT_TENANT/sensor-psk', '/v1/credentials/DEFAULT_TENANT/4711']) {
      expect((await b.get(path)).body).toEqual((await a.get(path)).body);
    }
    const auth = await b.post('/v1/authenticate/DEFAULT_TENANT', { type: 'hashed-password', 'auth-id': 'sensor1', password: PASSWORD });
    expect(auth.status).toBe(200);
  });

  it('needs "hono" and a directory', async () => {
    const result = await runCli(['export', 'csv', '/tmp/x'], { SECRET_KEY: TEST_SECRET_KEY });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('device-registry: usage: npm run cli -- export hono <dir>');
  });
});
