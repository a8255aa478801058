// GET of one device through the service, authenticated three ways: API token (Bearer), OVMS-style
// username+password in the URL (after the first request), and the ovmsapisession cookie.
const autocannon = require('autocannon');
const { startDatabase, createDatabase, startService, basic, setupCalls } = require('./lib');

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password' };

function load(url, headers) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function prepare(baseUrl) {
  const call = setupCalls(baseUrl, ADMIN);
  await call('POST', '/v1/tenants/bench', {});
  await call('POST', '/v1/devices/bench/device-1', { ext: { brand: 'acme', model: 'bench' }, via: ['gw-1'] });
  await call('POST', '/api/users', { username: 'operator', password: 'operator-password', tenants: [{ tenant: 'bench', access: 'read' }] });
  const operator = { authorization: basic('operator', 'operator-password'), 'content-type': 'application/json' };
  const token = (await (await call('POST', '/api/token', { permit: 'auth,session' }, operator)).json()).token;
  const cookie = (await call('GET', '/api/cookie', undefined, operator)).headers.get('set-cookie').split(';')[0];
  return { token, cookie };
}

/** Token, URL password and cookie against one running service, alternating, ROUNDS rounds: req/s, p50, p99 per way. */
async function compareAuth(baseUrl) {
  const { token, cookie } = await prepare(baseUrl);
  const device = `${baseUrl}/v1/devices/bench/device-1`;
  const ways = {
    token: [device, { authorization: `Bearer ${token}` }],
    'url-password': [`${device}?username=operator&password=operator-password`, {}],
    cookie: [device, { cookie }],
  };
  const results = Object.fromEntries(Object.keys(ways).map((way) => [way, []]));
  for (const [url, headers] of Object.values(ways)) await load(url, headers); // warm-up (and the first, slow password check)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [way, [url, headers]] of Object.entries(ways)) {
      const result = await load(url, headers);
      if (result.non2xx > 0) throw new Error(`${way}: ${result.non2xx} non-2xx answers`);
      results[way].push(result);
    }
  }
  const summary = {};
  for (const [way, runs] of Object.entries(results)) {
    const rps = runs.reduce((sum, r) => sum + r.requests.average, 0) / runs.length;
    const p99 = Math.max(...runs.map((r) => r.latency.p99));
    const p50 = runs.reduce((sum, r) => sum + r.latency.p50, 0) / runs.length;
    summary[way] = { rps, p50, p99 };
  }
  return summary;
}

async function main() {
  const server = await startDatabase();
  const databaseUrl = await createDatabase(server.url, `bench_auth_${Date.now()}`);
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  const summary = await compareAuth(service.baseUrl);
  await service.stop();
  await server.stop();
  for (const [way, s] of Object.entries(summary)) {
    process.stdout.write(`${way.padEnd(14)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  ratio to token ${(s.rps / summary.token.rps).toFixed(2)}\n`);
  }
  return summary;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { main, compareAuth, prepare, load, ADMIN };
