// Hono's adapter APIs over AMQP: registration `assert` and credentials `get` with 32 requests in
// flight over 100,000 devices, beside the HTTP device GET of the same service in the same run.
// `node bench/amqp.js` runs it alone; BENCH_AMQP_DEVICES shrinks the dataset for a quick check.
const autocannon = require('autocannon');
const { randomUUID } = require('node:crypto');
const rhea = require('rhea');
const { Client } = require('pg');
const { startDatabase, createDatabase, startService, freePort, percentile, basic, setupCalls } = require('./lib');

const DEVICES = Number(process.env.BENCH_AMQP_DEVICES ?? 100_000);
const IN_FLIGHT = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Hono's adapters share one connection per service; a few adapter instances, each with its links. */
const AMQP_CONNECTIONS = 4;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const TENANT = 'bench-amqp';

/** CPU time (user + system, ms) the process has used so far; Linux only, else undefined. */
function cpuMs(pid) {
  try {
    const fields = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * A phase's figures plus the service's CPU per request (µs): on a machine shared with other work the
 * requests/s follow the load, while the CPU a request costs the service stays comparable between runs.
 */
async function measured(pid, phase) {
  const before = cpuMs(pid);
  const client = process.cpuUsage();
  const result = await phase();
  const after = cpuMs(pid);
  const { user, system } = process.cpuUsage(client);
  const requests = result.requests ?? result.rps * SECONDS;
  if (before !== undefined && after !== undefined) result.cpuUsPerRequest = ((after - before) * 1000) / requests;
  result.clientCpuUsPerRequest = (user + system) / requests;
  return result;
}

const deviceAt = (n) => 1 + ((n * 7919) % DEVICES);

/** Devices (each behind gw-1) and a hashed-password credential each, with SQL. */
async function load(databaseUrl) {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT device_count::int AS n FROM tenants WHERE id = $1', [TENANT]);
    if (rows[0]?.n === DEVICES) return;
    await db.query('DELETE FROM tenants WHERE id = $1', [TENANT]);
    await db.query(`INSERT INTO tenants (id, body, version, device_count) VALUES ($1, '{}', 'v1', $2)`, [TENANT, DEVICES]);
    await db.query(
      `INSERT INTO devices (tenant_id, id, body, version, created)
       SELECT $1, 'device-' || i, jsonb_build_object('via', jsonb_build_array('gw-1'), 'defaults', jsonb_build_object('ttl', 30)), md5(i::text), now()
         FROM generate_series(1, $2::int) AS i`,
      [TENANT, DEVICES],
    );
    await db.query(`INSERT INTO devices (tenant_id, id, body, version, created) VALUES ($1, 'gw-1', '{}', 'gw', now())`, [TENANT]);
    await db.query(
      `INSERT INTO credentials (tenant_id, device_id, type, auth_id, position, body, confidential)
       SELECT $1, 'device-' || i, 'hashed-password', 'auth-' || i, 0,
              jsonb_build_object('type', 'hashed-password', 'auth-id', 'auth-' || i, 'secrets', jsonb_build_array(jsonb_build_object('id', 's-' || i))),
              jsonb_build_object('s-' || i, jsonb_build_object('hash-function', 'sha-256', 'pwd-hash', encode(sha256(('pw-' || i)::bytea), 'base64')))
         FROM generate_series(1, $2::int) AS i`,
      [TENANT, DEVICES],
    );
    await db.query('ANALYZE');
  } finally {
    await db.end();
  }
}

/** An adapter's connection with a request link pair to `${endpoint}/${TENANT}`, as Hono's clients open them. */
async function adapterLink(port, username, password, endpoint) {
  const connection = rhea.create_container().connect({ host: '127.0.0.1', port, username, password, reconnect: false, tcp_no_delay: true });
  const replyTo = `${endpoint}/${TENANT}/${randomUUID()}`;
  const pending = new Map();
  const receiver = connection.open_receiver({ source: { address: replyTo }, credit_window: 200 });
  receiver.on('message', ({ message }) => {
    const done = pending.get(message.correlation_id);
    pending.delete(message.correlation_id);
    done?.(message.application_properties.status);
  });
  await new Promise((resolve, reject) => {
    receiver.once('receiver_open', resolve);
    connection.once('connection_error', reject);
  });
  const sender = connection.open_sender({ target: { address: `${endpoint}/${TENANT}` }, snd_settle_mode: 0 });
  await new Promise((resolve) => sender.once('sendable', resolve));
  const request = (subject, properties, body) =>
    new Promise((resolve) => {
      const id = randomUUID();
      pending.set(id, resolve);
      sender.send({ message_id: id, subject, reply_to: replyTo, application_properties: properties, body: body && rhea.message.data_section(Buffer.from(JSON.stringify(body))) });
    });
  return { request, close: () => connection.close() };
}

/** Keeps IN_FLIGHT requests going for SECONDS over the links; requests/s and latency percentiles. */
async function drive(links, makeRequest) {
  const latencies = [];
  let failed = 0;
  let n = 0;
  const until = Date.now() + SECONDS * 1000;
  const worker = async (link) => {
    while (Date.now() < until) {
      const started = process.hrtime.bigint();
      const status = await makeRequest(link, n++);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (status !== 200) failed++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => worker(links[i % links.length])));
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  if (failed > 0) throw new Error(`${failed} requests were not answered with 200`);
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), requests: latencies.length };
}

const mean = (runs, key) => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
const summary = (runs) => ({
  rps: mean(runs, 'rps'),
  p50: mean(runs, 'p50'),
  p99: Math.max(...runs.map((r) => r.p99)),
  cpuUsPerRequest: runs.every((r) => r.cpuUsPerRequest !== undefined) ? mean(runs, 'cpuUsPerRequest') : undefined,
});

async function main(server) {
  const own = !server;
  server ??= await startDatabase();
  const databaseUrl = await createDatabase(server.url, `bench_amqp_${DEVICES}`);
  await load(databaseUrl);
  const amqpPort = await freePort();
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, AMQP_PORT: String(amqpPort) });
  const links = [];
  try {
    const call = setupCalls(service.baseUrl, ADMIN);
    // the protocol adapter's account: a user granted the tenant, with an API token of each kind
    await call('POST', '/api/users', { username: 'adapter', password: 'adapter-password', tenants: [{ tenant: TENANT, access: 'read' }] });
    const userHeaders = { authorization: basic('adapter', 'adapter-password'), 'content-type': 'application/json' };
    const adapterToken = (await (await call('POST', '/api/token', { permit: 'registry.adapter' }, userHeaders)).json()).token;
    const readToken = (await (await call('POST', '/api/token', { permit: 'auth' }, userHeaders)).json()).token;
    for (let i = 0; i < AMQP_CONNECTIONS; i++) {
      links.push({ registration: await adapterLink(amqpPort, 'adapter', adapterToken, 'registration'), credentials: await adapterLink(amqpPort, 'adapter', adapterToken, 'credentials') });
    }
    const assert = (link, n) => link.registration.request('assert', { device_id: `device-${deviceAt(n)}`, gateway_id: 'gw-1' });
    const get = (link, n) => link.credentials.request('get', {}, { type: 'hashed-password', 'auth-id': `auth-${deviceAt(n)}` });
    let n = 0;
    const httpRequests = [{ method: 'GET', headers: { authorization: basic('adapter', readToken) }, setupRequest: (r) => ({ ...r, path: `/v1/devices/${TENANT}/device-${deviceAt(n++)}` }) }];
    const httpGet = (duration = SECONDS) =>
      new Promise((resolve, reject) =>
        autocannon({ url: service.baseUrl, connections: IN_FLIGHT, duration, requests: httpRequests }, (error, result) => {
          if (error) return reject(error);
          if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`HTTP GET: ${result.non2xx} non-2xx, ${result.errors} errors`));
          resolve({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total });
        }),
      );
    // warm-up of each
    await httpGet(2);
    await Promise.all(links.map((link) => Promise.all([assert(link, 1), get(link, 1)])));
    const runs = { http: [], assert: [], get: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const pid = service.child.pid;
      runs.http.push(await measured(pid, () => httpGet()));
      runs.assert.push(await measured(pid, () => drive(links, assert)));
      runs.get.push(await measured(pid, () => drive(links, get)));
      const line = (r) => `${r.rps.toFixed(0)} req/s (${r.cpuUsPerRequest?.toFixed(0) ?? '?'} µs CPU each, client ${r.clientCpuUsPerRequest.toFixed(0)})`;
      process.stdout.write(`amqp round ${round + 1}: http GET ${line(runs.http.at(-1))}, assert ${line(runs.assert.at(-1))}, credentials get ${line(runs.get.at(-1))}\n`);
    }
    return { devices: DEVICES, inFlight: IN_FLIGHT, connections: AMQP_CONNECTIONS, http: summary(runs.http), assert: summary(runs.assert), get: summary(runs.get) };
  } finally {
    for (const link of links) {
      link.registration.close();
      link.credentials.close();
    }
    await service.stop();
    if (own) await server.stop();
  }
}

if (require.main === module) {
  main(undefined).then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

module.exports = { main };
