// A million devices in one tenant: lookup by id and the first page of searches, through the service.
const { Client } = require('pg');
const { startDatabase, createDatabase, startService, latency } = require('./lib');

const DEVICES = Number(process.env.BENCH_DEVICES ?? 1_000_000);
const TENANT = 'bench-million';
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const INIT = { headers: { authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}` } };

async function load(databaseUrl) {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query('SELECT device_count::int AS n FROM tenants WHERE id = $1', [TENANT]);
  if (rows[0]?.n === DEVICES) {
    await db.end();
    return 0;
  }
  const start = Date.now();
  await db.query('DELETE FROM tenants WHERE id = $1', [TENANT]);
  await db.query(`INSERT INTO tenants (id, body, version) VALUES ($1, '{}', 'v1')`, [TENANT]);
  await db.query(
    `INSERT INTO devices (tenant_id, id, body, version, created)
     SELECT $1, 'device-' || lpad(i::text, 7, '0'),
            jsonb_build_object('enabled', i % 10 <> 0,
                               'ext', jsonb_build_object('brand', 'brand-' || (i % 1000), 'serial', i))
              || CASE WHEN i % 100000 = 0 THEN jsonb_build_object('via', jsonb_build_array('gw-' || (i / 100000))) ELSE '{}'::jsonb END,
            md5(i::text), date_trunc('second', now()) - (i || ' seconds')::interval
       FROM generate_series(1, $2::int) AS i`,
    [TENANT, DEVICES],
  );
  await db.query('UPDATE tenants SET device_count = $2 WHERE id = $1', [TENANT, DEVICES]);
  await db.query('ANALYZE devices');
  await db.end();
  return Date.now() - start;
}

/** `server`: a running PostgreSQL to use (left running); by default the embedded one under bench/.data. */
async function main(server) {
  const own = !server;
  if (own) server = await startDatabase();
  const databaseUrl = await createDatabase(server.url, 'bench_search');
  const loadMs = await load(databaseUrl);
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  const q = (params) => `${service.baseUrl}/v1/devices/${TENANT}?${new URLSearchParams(params)}`;
  const cases = [
    ['lookup by id', `${service.baseUrl}/v1/devices/${TENANT}/device-0500000`],
    ['first page, no filter', q({})],
    ['first page, filter /ext/brand eq (1,000 matches)', q({ filterJson: JSON.stringify({ field: '/ext/brand', value: 'brand-7' }) })],
    ['first page, filter /ext/serial eq (1 match)', q({ filterJson: JSON.stringify({ field: '/ext/serial', value: 4242 }) })],
    ['first page, filter /id with wildcard prefix', q({ filterJson: JSON.stringify({ field: '/id', value: 'device-00042*' }) })],
    ['first page, filter /enabled eq false (100,000 matches)', q({ filterJson: JSON.stringify({ field: '/enabled', value: false }) })],
    ['first page, sort /status/created desc', q({ sortJson: JSON.stringify({ field: '/status/created', direction: 'desc' }) })],
    ['first page, filter brand + sort /ext/serial desc', q({ filterJson: JSON.stringify({ field: '/ext/brand', value: 'brand-7' }), sortJson: JSON.stringify({ field: '/ext/serial', direction: 'desc' }) })],
    ['first page, isGateway=true', q({ isGateway: 'true' })],
    ['first page, filter /ext/brand wildcard brand-99* (11,000 matches)', q({ filterJson: JSON.stringify({ field: '/ext/brand', value: 'brand-99*' }) })],
  ];
  const results = [];
  for (const [name, url] of cases) {
    const count = /wildcard brand|isGateway/.test(name) ? 20 : 100;
    const result = await latency(url, count, INIT);
    // (a search without matches answers 404 in the Hono API)
    if (result.status !== 200 && result.status !== 404) throw new Error(`${name}: ${result.status}`);
    results.push({ name, ...result });
    process.stdout.write(`${name.padEnd(70)} ${result.status}  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms\n`);
  }
  await service.stop();
  if (own) await server.stop();
  process.stdout.write(`devices: ${DEVICES}${loadMs ? `, loaded in ${(loadMs / 1000).toFixed(1)} s` : ' (already loaded)'}\n`);
  return { results, loadMs, devices: DEVICES };
}

if (require.main === module) {
  main(undefined).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { main };
