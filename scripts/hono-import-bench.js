#!/usr/bin/env node
// Generates a Hono file-based registry export (default 100,000 devices in 10 tenants, every 10th device
// with a hashed-password and a PSK credential), imports it with `cli import hono`, and prints the rate.
//
//   node scripts/hono-import-bench.js [devices]          # embedded PostgreSQL in a temporary DATA_DIR
//   DATABASE_URL=… SECRET_KEY=… node scripts/hono-import-bench.js
//
// Not part of `npm test`. Needs a built dist/ (npm run build).
const { execFileSync } = require('node:child_process');
const { chmodSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const devices = Number(process.argv[2] ?? 100_000);
const tenants = 10;
const root = join(__dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'hono-bench-'));
chmodSync(work, 0o755); // the embedded PostgreSQL may run as another user
const dir = join(work, 'export');
mkdirSync(dir);

// a bcrypt hash of "hono-secret" at cost 4 (Hono's files hold hashes; nothing is hashed on import)
const BCRYPT = '$2a$04$WMzZP9mjUYKgen8.JMvPkefJEVFvuyWphEADCr4XYtF.S5ymtuTT.';
const tenantList = [];
const deviceGroups = [];
const credentialGroups = [];
let credentialCount = 0;
for (let t = 0; t < tenants; t++) {
  const tenant = `bench-tenant-${t}`;
  tenantList.push({ 'tenant-id': tenant, enabled: true, ext: { bench: true } });
  const group = { tenant, devices: [] };
  const creds = { tenant, credentials: [] };
  for (let d = t; d < devices; d += tenants) {
    const id = `device-${d}`;
    group.devices.push({
      'device-id': id,
      created: '2021-03-01T10:00:00.000000Z',
      data: { enabled: true, defaults: { 'content-type': 'application/json' }, ext: { serial: `SN-${d}` } },
    });
    if (d % 10 === 0) {
      creds.credentials.push({ 'device-id': id, type: 'hashed-password', 'auth-id': id, enabled: true, secrets: [{ 'hash-function': 'bcrypt', 'pwd-hash': BCRYPT }] });
      creds.credentials.push({ 'device-id': id, type: 'psk', 'auth-id': id, enabled: true, secrets: [{ key: Buffer.from(`psk-${d}`).toString('base64') }] });
      credentialCount += 2;
    }
  }
  deviceGroups.push(group);
  credentialGroups.push(creds);
}
writeFileSync(join(dir, 'tenants.json'), JSON.stringify(tenantList, null, 2));
writeFileSync(join(dir, 'device-identities.json'), JSON.stringify(deviceGroups, null, 2));
writeFileSync(join(dir, 'credentials.json'), JSON.stringify(credentialGroups, null, 2));

const env = { ...process.env, BCRYPT_MAX_COST: process.env.BCRYPT_MAX_COST ?? '10' };
if (!env.DATABASE_URL) env.DATA_DIR = join(work, 'data');
const cli = join(root, 'dist/apps/registry/src/cli.js');
try {
  // the database (and, embedded, its cluster) is set up first, so the measurement is the import alone
  execFileSync(process.execPath, [cli, 'migrate'], { env, stdio: 'ignore' });
  const started = process.hrtime.bigint();
  const output = execFileSync(process.execPath, [cli, 'import', 'hono', dir], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(output);
  const inner = Number(/(\d+(?:\.\d+)?)s$/m.exec(output)?.[1] ?? wall);
  console.log(`\n${devices} devices, ${credentialCount} credentials, ${tenants} tenants`);
  console.log(`import: ${inner.toFixed(1)}s inside the command (${Math.round(devices / inner)} devices/s), ${wall.toFixed(1)}s wall with process and PostgreSQL start`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
