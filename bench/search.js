// A big tenant (BENCH_DEVICES, default 1,000,000), loaded the way a user fills one: Hono-format files
// through `npm run cli -- import hono`. Then lookups and first pages of searches through the service,
// each with its exact total checked, and what the wildcard index costs writes: the device-create rate
// with and without it in the same run, its size and its build time.
const autocannon = require('autocannon');
const { spawn } = require('node:child_process');
const { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');
const { root, startDatabase, createDatabase, startService, latency } = require('./lib');

const DEVICES = Number(process.env.BENCH_DEVICES ?? 1_000_000);
const WRITE_SECONDS = Number(process.env.BENCH_WRITE_SECONDS ?? 8);
const WRITE_CONNECTIONS = 16;
const TENANT = 'bench-million';
const WRITES_TENANT = 'bench-writes';
/** Marks data of this generator in the tenant, so a database loaded by an older bench is loaded again. */
const GENERATION = 'search-v2';
const SECRET_KEY = 'b'.repeat(64);
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const AUTHORIZATION = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;
const INIT = { headers: { authorization: AUTHORIZATION } };

/** Device i's brand: a few hundred acme-…, gizmo-99 and pyramid-… per million among brand-0 … brand-999. */
function brand(i) {
  if (i % 2500 === 1) return `acme-${i}`;
  if (i % 2500 === 2) return 'gizmo-99';
  if (i % 2500 === 3) return `pyramid-${i}`;
  return `brand-${i % 1000}`;
}

function device(i) {
  const data = { enabled: i % 10 !== 0, ext: { brand: brand(i), model: `model-${i % 50}`, serial: i } };
  if (i % 100_000 === 0) data.via = [`gw-${i / 100_000}`];
  return { 'device-id': `device-${String(i).padStart(7, '0')}`, data };
}

/** tenants.json and device-identities.json of Hono's file-based registry, written in pieces (kept for later runs). */
function honoFiles() {
  const dir = join(__dirname, '.data', `hono-${GENERATION}-${DEVICES}`);
  if (existsSync(join(dir, 'device-identities.json'))) return dir;
  mkdirSync(dir, { recursive: true });
  const write = (file, pieces) => {
    const fd = openSync(join(dir, `${file}.tmp`), 'w');
    for (const piece of pieces) writeSync(fd, piece);
    closeSync(fd);
    renameSync(join(dir, `${file}.tmp`), join(dir, file));
  };
  write('tenants.json', [JSON.stringify([{ 'tenant-id': TENANT, enabled: true, ext: { bench: GENERATION } }])]);
  write('device-identities.json', (function* () {
    yield `[{"tenant": ${JSON.stringify(TENANT)}, "devices": [\n`;
    for (let start = 1; start <= DEVICES; start += 10_000) {
      const chunk = [];
      for (let i = start; i < Math.min(start + 10_000, DEVICES + 1); i++) chunk.push(JSON.stringify(device(i)));
      yield `${start > 1 ? ',\n' : ''}${chunk.join(',\n')}`;
    }
    yield '\n]}]\n';
  })());
  return dir;
}

/** How many of the generated devices `matches` accepts: the totals the searches must answer. */
function expected(matches) {
  let n = 0;
  for (let i = 1; i <= DEVICES; i++) if (matches(device(i).data)) n++;
  return n;
}

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')}: exit ${code}`))));
  });
}

/** Loads the tenant through the CLI unless this generation and size is there already; returns the time taken (0: already loaded). */
async function load(db, databaseUrl) {
  const { rows } = await db.query(`SELECT device_count::int AS n, body #>> '{ext,bench}' AS generation FROM tenants WHERE id = $1`, [TENANT]);
  if (rows[0]?.n === DEVICES && rows[0]?.generation === GENERATION) return 0;
  const dir = honoFiles();
  await db.query('DELETE FROM tenants WHERE id = $1', [TENANT]);
  const start = Date.now();
  // one JSON file of a million devices is parsed whole
  await run('npm', ['run', '--silent', 'cli', '--', 'import', 'hono', dir], { DATABASE_URL: databaseUrl, SECRET_KEY, NODE_OPTIONS: '--max-old-space-size=4096' });
  return Date.now() - start;
}

/** POSTs of new devices (bodies like the bulk's) at WRITE_CONNECTIONS for WRITE_SECONDS. */
async function createRate(baseUrl, label) {
  let n = 0;
  const headers = { authorization: AUTHORIZATION, 'content-type': 'application/json' };
  const requests = [
    {
      method: 'POST',
      headers,
      setupRequest: (request) => {
        const i = n++;
        return { ...request, path: `/v1/devices/${WRITES_TENANT}/${label}-${i}`, body: JSON.stringify(device(i + 1).data) };
      },
    },
  ];
  const result = await new Promise((resolve, reject) =>
    autocannon({ url: baseUrl, connections: WRITE_CONNECTIONS, duration: WRITE_SECONDS, requests }, (error, r) => (error ? reject(error) : resolve(r))),
  );
  if (result.non2xx + result.errors > 0) throw new Error(`device creates (${label}): ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** The write cost of devices_strings_idx: creates with it, then without it, then the rebuild from its own definition. */
async function writeCost(db, baseUrl) {
  await db.query('DELETE FROM tenants WHERE id = $1', [WRITES_TENANT]);
  await db.query(`INSERT INTO tenants (id, body, version) VALUES ($1, '{}', 'v1')`, [WRITES_TENANT]);
  const size = async () => {
    const { rows } = await db.query(
      `SELECT pg_relation_size('devices_strings_idx')::bigint AS strings, pg_relation_size('devices_body_idx')::bigint AS body,
              pg_relation_size('devices_pkey')::bigint AS pkey, pg_table_size('devices')::bigint AS tab`,
    );
    return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v) / 1024 ** 2]));
  };
  const sizes = await size();
  const withIndex = await createRate(baseUrl, 'with');
  const { rows } = await db.query(`SELECT pg_get_indexdef('devices_strings_idx'::regclass) AS definition`);
  await db.query('DROP INDEX devices_strings_idx');
  let withoutIndex;
  const rebuild = {};
  try {
    withoutIndex = await createRate(baseUrl, 'without');
  } finally {
    const start = Date.now();
    await db.query(rows[0].definition);
    rebuild.ms = Date.now() - start;
    await db.query('DELETE FROM tenants WHERE id = $1', [WRITES_TENANT]);
    await db.query('VACUUM (ANALYZE) devices');
  }
  return { withIndex, withoutIndex, sizes, rebuildMs: rebuild.ms };
}

/** `server`: a running PostgreSQL to use (left running); by default the embedded one under bench/.data. */
async function main(server) {
  const own = !server;
  if (own) server = await startDatabase();
  const databaseUrl = await createDatabase(server.url, 'bench_search');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const loadMs = await load(db, databaseUrl);
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  const q = (params) => `${service.baseUrl}/v1/devices/${TENANT}?${new URLSearchParams(params)}`;
  const filter = (field, value) => ({ filterJson: JSON.stringify({ field, value }) });
  const brandLike = (regex) => (data) => regex.test(data.ext.brand);
  // [name, url, expected total (undefined: not a search)]
  const cases = [
    ['lookup by id', `${service.baseUrl}/v1/devices/${TENANT}/device-0000500`],
    ['first page, no filter', q({}), DEVICES],
    ['first page, filter /ext/brand eq', q(filter('/ext/brand', 'brand-7')), expected((d) => d.ext.brand === 'brand-7')],
    ['first page, filter /ext/serial eq', q(filter('/ext/serial', 4242)), expected((d) => d.ext.serial === 4242)],
    ['first page, filter /id with wildcard prefix', q(filter('/id', 'device-00042*')), Math.max(0, Math.min(DEVICES, 4299) - 4200 + 1)],
    ['first page, filter /ext/brand wildcard prefix acme-*', q(filter('/ext/brand', 'acme-*')), expected(brandLike(/^acme-/))],
    ['first page, filter /ext/brand wildcard suffix *-99', q(filter('/ext/brand', '*-99')), expected(brandLike(/-99$/))],
    ['first page, filter /ext/brand wildcard infix *mid*', q(filter('/ext/brand', '*mid*')), expected(brandLike(/mid/))],
    ['first page, filter /enabled eq false', q(filter('/enabled', false)), expected((d) => d.enabled === false)],
    ['first page, sort /status/created desc', q({ sortJson: JSON.stringify({ field: '/status/created', direction: 'desc' }) }), DEVICES],
    ['first page, filter brand + sort /ext/serial desc', q({ ...filter('/ext/brand', 'brand-7'), sortJson: JSON.stringify({ field: '/ext/serial', direction: 'desc' }) }), expected((d) => d.ext.brand === 'brand-7')],
    // the gateways named in via are not devices of the tenant: no match
    ['first page, isGateway=true', q({ isGateway: 'true' }), 0],
  ];
  const results = [];
  for (const [name, url, total] of cases) {
    const answer = await fetch(url, INIT);
    const body = await answer.json().catch(() => undefined);
    const got = total === undefined ? undefined : answer.status === 404 ? 0 : body?.total;
    if (total !== undefined && got !== total) throw new Error(`${name}: total ${got}, expected ${total}`);
    const count = /enabled|isGateway/.test(name) ? 20 : 100;
    const result = await latency(url, count, INIT);
    // (a search without matches answers 404 in the Hono API)
    if (result.status !== 200 && result.status !== 404) throw new Error(`${name}: ${result.status}`);
    results.push({ name, total, ...result });
    process.stdout.write(`${name.padEnd(60)} ${String(total ?? '').padStart(8)}  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms\n`);
  }
  const writes = await writeCost(db, service.baseUrl);
  process.stdout.write(
    `device creates/s with the wildcard index ${writes.withIndex.rps.toFixed(0)}, without ${writes.withoutIndex.rps.toFixed(0)}; ` +
      `index ${writes.sizes.strings.toFixed(0)} MB (jsonb_path_ops ${writes.sizes.body.toFixed(0)} MB, table ${writes.sizes.tab.toFixed(0)} MB), rebuilt in ${(writes.rebuildMs / 1000).toFixed(1)} s\n`,
  );
  await service.stop();
  await db.end();
  if (own) await server.stop();
  process.stdout.write(`devices: ${DEVICES}${loadMs ? `, imported in ${(loadMs / 1000).toFixed(1)} s` : ' (already loaded)'}\n`);
  return { results, loadMs, devices: DEVICES, writes };
}

if (require.main === module) {
  main(undefined).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { main };
