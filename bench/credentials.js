// Device credentials: device authentications per second at BCRYPT_MAX_COST 10 and 4 (POST /v1/authenticate),
// and the p99 of device GETs while credentials with pwd-plain are written at full speed (target: < 100 ms).
const autocannon = require('autocannon');
const { startDatabase, createDatabase, startService, basic, setupCalls } = require('./lib');

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const AUTH_CONNECTIONS = Number(process.env.BENCH_AUTH_CONNECTIONS ?? 16);
const WRITE_CONNECTIONS = Number(process.env.BENCH_WRITE_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };
const TENANT = 'bench-credentials';
const DEVICE_PASSWORD = 'device-password-1';
// Authentications spread over this many devices, as an adapter serves many: attempts for one device are
// counted before they are verified, so one device hammered in parallel would be throttled.
const AUTH_DEVICES = 64;

function load(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function prepare(baseUrl) {
  const call = setupCalls(baseUrl, ADMIN);
  await call('POST', `/v1/tenants/${TENANT}`, {});
  await call('POST', `/v1/devices/${TENANT}/device-1`, { ext: { brand: 'acme', model: 'bench' } });
  for (let i = 0; i < WRITE_CONNECTIONS; i++) await call('POST', `/v1/devices/${TENANT}/writer-${i}`, {});
  const salt = Buffer.from('bench-salt');
  const sha = require('node:crypto').createHash('sha256').update(salt).update(DEVICE_PASSWORD).digest('base64');
  await call('PUT', `/v1/credentials/${TENANT}/device-1`, [
    { type: 'hashed-password', 'auth-id': 'sensor-bcrypt', secrets: [{ 'pwd-plain': DEVICE_PASSWORD }] },
    { type: 'hashed-password', 'auth-id': 'sensor-sha256', secrets: [{ 'hash-function': 'sha-256', 'pwd-hash': sha, salt: salt.toString('base64') }] },
    { type: 'x509-cert', 'auth-id': 'CN=sensor,O=bench', secrets: [{}] },
  ]);
  for (let i = 0; i < AUTH_DEVICES; i++) {
    await call('POST', `/v1/devices/${TENANT}/auth-${i}`, {});
    await call('PUT', `/v1/credentials/${TENANT}/auth-${i}`, [
      { type: 'hashed-password', 'auth-id': `sensor-bcrypt-${i}`, secrets: [{ 'pwd-plain': DEVICE_PASSWORD }] },
      { type: 'x509-cert', 'auth-id': `CN=sensor-${i},O=bench`, secrets: [{}] },
    ]);
  }
  // the protocol adapter: an operator with read access to the tenant and an API token that may write (the PUT load) and check devices (registry.adapter)
  await call('POST', '/api/users', { username: 'adapter', password: 'adapter-password', tenants: [{ tenant: TENANT, access: 'write' }] });
  const token = (await (await call('POST', '/api/token', { permit: 'auth,registry.write,registry.adapter' }, { authorization: basic('adapter', 'adapter-password'), 'content-type': 'application/json' })).json()).token;
  return { authorization: `Bearer ${token}` };
}

function summary(result) {
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, non2xx: result.non2xx, errors: result.errors };
}

function check(name, result) {
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats)}), ${result.errors} errors`);
  }
}

async function authentications(databaseUrl, cost) {
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, BCRYPT_MAX_COST: String(cost) });
  try {
    const auth = await prepare(service.baseUrl);
    const url = `${service.baseUrl}/v1/authenticate/${TENANT}`;
    const headers = { ...auth, 'content-type': 'application/json' };
    let n = 0;
    const rotating = (bodyOf) => [{ method: 'POST', headers, setupRequest: (request) => ({ ...request, body: JSON.stringify(bodyOf(n++ % AUTH_DEVICES)) }) }];
    const passwords = rotating((i) => ({ type: 'hashed-password', 'auth-id': `sensor-bcrypt-${i}`, password: DEVICE_PASSWORD }));
    await load({ url, requests: passwords, connections: AUTH_CONNECTIONS, duration: 2 }); // warm-up
    const bcrypt = await load({ url, requests: passwords, connections: AUTH_CONNECTIONS });
    check(`bcrypt cost ${cost}`, bcrypt);
    const x509 = await load({ url, requests: rotating((i) => ({ type: 'x509-cert', 'auth-id': `CN=sensor-${i}, O=bench` })) });
    check('x509', x509);
    return { bcrypt: summary(bcrypt), x509: summary(x509) };
  } finally {
    await service.stop();
  }
}

async function readsDuringWrites(databaseUrl, cost) {
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, BCRYPT_MAX_COST: String(cost) });
  try {
    const auth = await prepare(service.baseUrl);
    const read = { url: `${service.baseUrl}/v1/devices/${TENANT}/device-1`, headers: auth };
    await load({ ...read, duration: 2 }); // warm-up
    const alone = await load(read);
    check('reads alone', alone);
    let writer = 0;
    const writes = {
      url: `${service.baseUrl}/v1/credentials/${TENANT}/writer-0`,
      connections: WRITE_CONNECTIONS,
      requests: [
        {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/json' },
          // each connection writes its own device, a new password every time
          setupRequest: (request) => {
            const n = writer++;
            return {
              ...request,
              path: `/v1/credentials/${TENANT}/writer-${n % WRITE_CONNECTIONS}`,
              body: JSON.stringify([{ type: 'hashed-password', 'auth-id': `writer-${n % WRITE_CONNECTIONS}`, secrets: [{ 'pwd-plain': `password-${n}` }] }]),
            };
          },
        },
      ],
    };
    const [during, written] = await Promise.all([load(read), load(writes)]);
    check('reads during writes', during);
    check('writes', written);
    return { alone: summary(alone), during: summary(during), writes: summary(written) };
  } finally {
    await service.stop();
  }
}

const line = (name, s) =>
  `${name.padEnd(46)} ${s.rps.toFixed(1).padStart(8)} req/s  p50 ${String(s.p50).padStart(4)} ms  p99 ${String(s.p99).padStart(4)} ms  max ${String(s.max).padStart(4)} ms\n`;

async function main() {
  const server = await startDatabase();
  const results = {};
  try {
    for (const cost of [10, 4]) {
      const databaseUrl = await createDatabase(server.url, `bench_credentials_${cost}_${Date.now()}`);
      results[`auth-${cost}`] = await authentications(databaseUrl, cost);
    }
    const databaseUrl = await createDatabase(server.url, `bench_credentials_rw_${Date.now()}`);
    results.readsDuringWrites = await readsDuringWrites(databaseUrl, 10);
  } finally {
    await server.stop();
  }
  process.stdout.write(`device authentication, ${AUTH_CONNECTIONS} connections, ${SECONDS} s each\n`);
  for (const cost of [10, 4]) process.stdout.write(line(`  hashed-password, bcrypt cost ${cost}`, results[`auth-${cost}`].bcrypt));
  process.stdout.write(line(`  x509-cert (no hashing, ${CONNECTIONS} connections)`, results['auth-4'].x509));
  const rw = results.readsDuringWrites;
  process.stdout.write(`GET /v1/devices/{t}/{d}, ${CONNECTIONS} connections, bcrypt cost 10\n`);
  process.stdout.write(line('  reads alone', rw.alone));
  process.stdout.write(line(`  reads while ${WRITE_CONNECTIONS} connections PUT pwd-plain`, rw.during));
  process.stdout.write(line('  the PUTs (pwd-plain) meanwhile', rw.writes));
  process.stdout.write(`target: read p99 during writes ${rw.during.p99} ms (bar: < 100 ms) → ${rw.during.p99 < 100 ? 'met' : 'NOT met'}\n`);
  return results;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { main, readsDuringWrites, authentications, ADMIN };
