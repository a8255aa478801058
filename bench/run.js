// npm run bench: every benchmark in one go on the embedded PostgreSQL under bench/.data, written
// to bench/RESULTS.md with the machine, the method of each figure and a verdict per target.
const autocannon = require('autocannon');
const { spawn } = require('node:child_process');
const { writeFileSync, readFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { startDatabase, createDatabase, startService, freePort, services, residentMb, basic, setupCalls } = require('./lib');
const auth = require('./auth');
const credentials = require('./credentials');
const search = require('./search');
const amqp = require('./amqp');

const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// BENCH_READ_DEVICES only to check that the benchmark runs on a small machine; the figures need 100,000
const READ_DEVICES = Number(process.env.BENCH_READ_DEVICES ?? 100_000);
const ADMIN = auth.ADMIN;

const load = (options) =>
  new Promise((resolve, reject) => autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options }, (error, result) => (error ? reject(error) : resolve(result))));

/** Peak VmRSS per phase of every running service child, sampled every 250 ms. */
const memory = {};
let phase = 'start';
const sampler = setInterval(() => {
  for (const child of services) {
    const mb = residentMb(child.pid);
    if (mb !== undefined) memory[phase] = Math.max(memory[phase] ?? 0, mb);
  }
}, 250);

function log(line) {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function startBaseline(databaseUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'baseline-server.js')], { env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => chunk.toString().includes('listening') && resolve());
    child.once('exit', () => reject(new Error('baseline server exited')));
  });
  return { baseUrl: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

/** 100,000 devices in one tenant (SQL), an operator with read access and an API token. */
async function prepareReads(server) {
  const databaseUrl = await createDatabase(server.url, 'bench_reads');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query(`SELECT device_count::int AS n FROM tenants WHERE id = 'bench'`);
  if (rows[0]?.n !== READ_DEVICES) {
    await db.query(`DELETE FROM tenants WHERE id = 'bench'`);
    await db.query(`INSERT INTO tenants (id, body, version) VALUES ('bench', '{}', 'v1')`);
    await db.query(
      `INSERT INTO devices (tenant_id, id, body, version)
       SELECT 'bench', 'device-' || i, jsonb_build_object('enabled', true, 'ext', jsonb_build_object('brand', 'acme', 'model', 'bench', 'serial', i), 'via', jsonb_build_array('gw-1')), md5(i::text)
         FROM generate_series(1, $1::int) AS i`,
      [READ_DEVICES],
    );
    await db.query(`UPDATE tenants SET device_count = $1 WHERE id = 'bench'`, [READ_DEVICES]);
    await db.query('ANALYZE devices');
  }
  await db.end();
  return databaseUrl;
}

const summary = (runs) => ({
  rps: runs.reduce((sum, r) => sum + r.requests.average, 0) / runs.length,
  p50: runs.reduce((sum, r) => sum + r.latency.p50, 0) / runs.length,
  p99: Math.max(...runs.map((r) => r.latency.p99)),
  non2xx: runs.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
});

async function readsVersusBaseline(databaseUrl) {
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  const baseline = await startBaseline(databaseUrl);
  try {
    const call = setupCalls(service.baseUrl, ADMIN);
    await call('POST', '/api/users', { username: 'reader', password: 'reader-password', tenants: [{ tenant: 'bench', access: 'read' }] });
    const reader = { authorization: basic('reader', 'reader-password'), 'content-type': 'application/json' };
    const { token } = await (await call('POST', '/api/token', { permit: 'auth' }, reader)).json();
    const headers = { authorization: basic('reader', token) };
    const login = await fetch(`${service.baseUrl}/api/cookie`, { headers: { authorization: basic('reader', 'reader-password') } });
    if (login.status !== 200) throw new Error(`GET /api/cookie: ${login.status}`);
    const cookieHeaders = { cookie: login.headers.get('set-cookie').split(';')[0] };
    // the same answer from both (body and ETag), or the comparison is void
    const path = `/v1/devices/bench/device-${Math.min(4242, READ_DEVICES)}`;
    const [a, b] = await Promise.all([fetch(service.baseUrl + path, { headers }), fetch(baseline.baseUrl + path, { headers })]);
    const same = a.status === 200 && (await a.text()) === (await b.text()) && a.headers.get('etag') === b.headers.get('etag');
    if (!same) throw new Error('the baseline does not answer like the service');
    let n = 0;
    // a different device each request, spread over the 100,000
    const reads = (with_) => [{ method: 'GET', headers: with_, setupRequest: (request) => ({ ...request, path: `/v1/devices/bench/device-${1 + ((n++ * 7919) % READ_DEVICES)}` }) }];
    const requests = reads(headers);
    // the same reads with the ovmsapisession cookie of the same reader (target: at least 0.9 of the token figure)
    const cookieRequests = reads(cookieHeaders);
    const runs = { service: [], cookie: [], baseline: [] };
    for (const target of [service, baseline]) await load({ url: target.baseUrl, requests, duration: 2 }); // warm-up
    await load({ url: service.baseUrl, requests: cookieRequests, duration: 2 });
    for (let round = 0; round < ROUNDS; round++) {
      runs.service.push(await load({ url: service.baseUrl, requests }));
      runs.cookie.push(await load({ url: service.baseUrl, requests: cookieRequests }));
      runs.baseline.push(await load({ url: baseline.baseUrl, requests }));
      if (runs.cookie.at(-1).non2xx > 0) throw new Error(`cookie reads: ${runs.cookie.at(-1).non2xx} non-2xx answers`);
      log(
        `reads round ${round + 1}: service ${runs.service.at(-1).requests.average.toFixed(0)} req/s, with the cookie ${runs.cookie.at(-1).requests.average.toFixed(0)} req/s, baseline ${runs.baseline.at(-1).requests.average.toFixed(0)} req/s`,
      );
    }
    return { service: summary(runs.service), cookie: summary(runs.cookie), baseline: summary(runs.baseline) };
  } finally {
    await baseline.stop();
    await service.stop();
  }
}

async function authWays(server) {
  const databaseUrl = await createDatabase(server.url, `bench_auth_${Date.now()}`);
  const service = await startService(databaseUrl, { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  try {
    const ways = await auth.compareAuth(service.baseUrl);
    // device creates: POST a new id each request
    let n = 0;
    const admin = { authorization: basic(ADMIN.username, ADMIN.password), 'content-type': 'application/json' };
    const creates = await load({
      url: service.baseUrl,
      requests: [{ method: 'POST', headers: admin, setupRequest: (request) => ({ ...request, path: `/v1/devices/bench/created-${n++}`, body: JSON.stringify({ ext: { n } }) }) }],
    });
    return { ways, creates: summary([creates]) };
  } finally {
    await service.stop();
  }
}

function machine(serverVersion) {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    postgres: serverVersion,
    load: os.loadavg().map((l) => l.toFixed(2)).join(', '),
    os: `${os.type()} ${os.release()}`,
  };
}

const ms = (v) => `${Number(v).toFixed(1)} ms`;
const rps = (v) => `${Math.round(v).toLocaleString('en-US')} req/s`;
const verdict = (ok) => (ok ? '**met**' : '**NOT met**');

async function main() {
  const started = Date.now();
  const server = await startDatabase();
  const results = {};
  let postgresVersion;
  try {
    const db = new Client({ connectionString: server.url });
    await db.connect();
    postgresVersion = (await db.query('SHOW server_version')).rows[0].server_version;
    await db.end();
    const loadBefore = os.loadavg()[0];

    phase = 'reads';
    log('reads: service vs baseline, 100,000 devices');
    results.reads = await readsVersusBaseline(await prepareReads(server));
    if (process.argv[2] === 'reads') {
      // `node bench/run.js reads`: this phase alone, for profiling; RESULTS.md stays as it is
      const { service, cookie, baseline } = results.reads;
      log(`reads: service / baseline ${(service.rps / baseline.rps).toFixed(2)}, cookie / token ${(cookie.rps / service.rps).toFixed(2)}, p99 ${service.p99} ms`);
      return;
    }
    phase = 'auth';
    log('auth: token vs URL password vs cookie; device creates');
    results.auth = await authWays(server);
    phase = 'credentials';
    log('credentials: GETs while pwd-plain PUTs run');
    results.credentials = await credentials.readsDuringWrites(await createDatabase(server.url, `bench_credentials_rw_${Date.now()}`), 10);
    phase = 'device-auth';
    log('device authentication: bcrypt cost 10 and 4, x509');
    results.deviceAuth = {};
    for (const cost of [10, 4]) {
      results.deviceAuth[cost] = await credentials.authentications(await createDatabase(server.url, `bench_device_auth_${cost}_${Date.now()}`), cost);
    }
    phase = 'amqp';
    log('amqp: registration assert and credentials get beside the HTTP device GET, 100,000 devices');
    results.amqp = await amqp.main(server);
    phase = 'search';
    log(`search: ${process.env.BENCH_DEVICES ?? '1,000,000'} devices`);
    results.search = await search.main(server);
    results.loadBefore = loadBefore;
    results.loadAfter = os.loadavg()[0];
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
  const elapsed = (Date.now() - started) / 1000;
  writeFileSync(join(__dirname, 'RESULTS.md'), report(results, machine(postgresVersion), elapsed));
  log(`wrote bench/RESULTS.md in ${elapsed.toFixed(0)} s`);
  process.stdout.write(readFileSync(join(__dirname, 'RESULTS.md'), 'utf8'));
}

function report(r, m, elapsed) {
  const { reads, auth: a, credentials: c, search: s, deviceAuth: d, amqp: q } = r;
  const ratio = reads.service.rps / reads.baseline.rps;
  const urlRatio = a.ways['url-password'].rps / a.ways.token.rps;
  const cookieRatio = a.ways.cookie.rps / a.ways.token.rps;
  const cookieReadRatio = reads.cookie.rps / reads.service.rps;
  const filter = s.results.find((x) => x.name.startsWith('first page, filter /ext/brand eq'));
  const sorted = s.results.find((x) => x.name.startsWith('first page, sort'));
  const prefix = s.results.find((x) => x.name.includes('wildcard prefix acme-*'));
  const suffix = s.results.find((x) => x.name.includes('wildcard suffix *-99'));
  const million = s.devices.toLocaleString('en-US');
  const peak = Math.max(...Object.values(memory));
  const busy = Math.max(r.loadBefore, r.loadAfter) > m.cores * 0.75;
  const rows = [
    ['Reads: service / baseline throughput (Basic token, 32 conn.)', `${rps(reads.service.rps)} / ${rps(reads.baseline.rps)} = **${ratio.toFixed(2)}**`, '≥ 0.75', verdict(ratio >= 0.75)],
    ['Reads with the cookie / with the token (same run, 32 conn.)', `${rps(reads.cookie.rps)} / ${rps(reads.service.rps)} = **${cookieReadRatio.toFixed(2)}**`, '≥ 0.9', verdict(cookieReadRatio >= 0.9)],
    ['Reads: service p99 (p50)', `${ms(reads.service.p99)} (${ms(reads.service.p50)})`, '< 50 ms', verdict(reads.service.p99 < 50)],
    ['Reads p99 while pwd-plain credentials are written', `${ms(c.during.p99)} (alone ${ms(c.alone.p99)})`, '< 100 ms', verdict(c.during.p99 < 100)],
    ['URL password / token throughput (after the first request)', `${rps(a.ways['url-password'].rps)} / ${rps(a.ways.token.rps)} = **${urlRatio.toFixed(2)}**`, '≥ 0.8', verdict(urlRatio >= 0.8)],
    [`Search, ${million} devices: first page with a filter (p50)`, `${ms(filter.p50)} (p99 ${ms(filter.p99)})`, '< 50 ms', verdict(filter.p50 < 50)],
    [`Search, ${million} devices: wildcard prefix \`acme-*\` on /ext/brand, ${prefix.total} matches (p50)`, `${ms(prefix.p50)} (p99 ${ms(prefix.p99)})`, '< 50 ms', verdict(prefix.p50 < 50)],
    [`Search, ${million} devices: wildcard suffix \`*-99\` on /ext/brand, ${suffix.total} matches (p50)`, `${ms(suffix.p50)} (p99 ${ms(suffix.p99)})`, '< 50 ms', verdict(suffix.p50 < 50)],
    [`Search, ${million} devices: first page sorted (p50)`, `${ms(sorted.p50)} (p99 ${ms(sorted.p99)})`, '< 50 ms', verdict(sorted.p50 < 50)],
    ['AMQP registration assert: throughput / HTTP device GET, p99', `${rps(q.assert.rps)} / ${rps(q.http.rps)} = **${(q.assert.rps / q.http.rps).toFixed(2)}**, p99 ${ms(q.assert.p99)}`, '≥ 1, p99 < 20 ms', verdict(q.assert.rps >= q.http.rps && q.assert.p99 < 20)],
    ['AMQP credentials get: throughput / HTTP device GET, p99', `${rps(q.get.rps)} / ${rps(q.http.rps)} = **${(q.get.rps / q.http.rps).toFixed(2)}**, p99 ${ms(q.get.p99)}`, '≥ 1, p99 < 20 ms', verdict(q.get.rps >= q.http.rps && q.get.p99 < 20)],
    ['Resident memory of the service, peak over all runs', `${peak.toFixed(0)} MB`, '< 300 MB', verdict(peak < 300)],
  ];
  return `# Benchmark results

Written by \`npm run bench\` (bench/run.js) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${Math.round(elapsed)} s.

## Machine

| | |
|---|---|
| CPU | ${m.cores} cores, ${m.cpu} |
| Memory | ${m.memoryGb} GB |
| OS | ${m.os} |
| Node | ${m.node} |
| PostgreSQL | ${m.postgres} (embedded, bench/.data) |
| Load average at the start / end (1 min) | ${r.loadBefore.toFixed(2)} / ${r.loadAfter.toFixed(2)} |

The load generator (autocannon), the service and PostgreSQL share these cores.${busy ? ` **The load average was above the core count during the run: other work was using the CPU at the same time, so throughput figures are lower and tail latencies higher than on an idle machine.**` : ''}

## Targets

| target | figure | bar | verdict |
|---|---|---|---|
${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}

Crash safety and "no input yields a 500" are proven by \`npm run test:faults\` (test/faults), not here.

## All figures and how they were measured

### Reads: service vs baseline
\`GET /v1/devices/bench/{d}\` over 100,000 devices in one tenant (loaded with \`generate_series\`), a different
device each request, Basic auth with username + API token of an operator with read access. autocannon,
${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds alternating service and baseline after a 2 s
warm-up each. Between the two, the same reads with the reader's \`ovmsapisession\` cookie (cookie / token is the
figure the sessions target asks for). The baseline (bench/baseline-server.js) is \`node:http\` + \`pg\` (pool 10) with the same JSON, ETag
and token check (SHA-256 lookup, cached); run.js checks both answer byte-identically first. req/s and p50 are
means over the rounds, p99 the worst round.

| | req/s | p50 | p99 |
|---|---|---|---|
| service | ${rps(reads.service.rps)} | ${ms(reads.service.p50)} | ${ms(reads.service.p99)} |
| service, ovmsapisession cookie | ${rps(reads.cookie.rps)} | ${ms(reads.cookie.p50)} | ${ms(reads.cookie.p99)} |
| baseline | ${rps(reads.baseline.rps)} | ${ms(reads.baseline.p50)} | ${ms(reads.baseline.p99)} |

### Authentication ways (bench/auth.js \`compareAuth\`)
One device, ${CONNECTIONS} connections, alternating ways, ${process.env.BENCH_ROUNDS ?? 2} rounds after one warm-up run each (the first,
slow password check happens in the warm-up).

| way | req/s | p50 | p99 | ratio to token |
|---|---|---|---|---|
${Object.entries(a.ways)
  .map(([way, x]) => `| ${way} | ${rps(x.rps)} | ${ms(x.p50)} | ${ms(x.p99)} | ${(x.rps / a.ways.token.rps).toFixed(2)} |`)
  .join('\n')}

Cookie / token: ${cookieRatio.toFixed(2)} here (one device); over 100,000 devices ${cookieReadRatio.toFixed(2)} (first table).

### Writes
| | req/s | p50 | p99 |
|---|---|---|---|
| device create (POST /v1/devices/bench/{new id}, admin Basic, ${CONNECTIONS} conn., ${SECONDS} s) | ${rps(a.creates.rps)} | ${ms(a.creates.p50)} | ${ms(a.creates.p99)} |
| credentials PUT with pwd-plain (bcrypt cost 10, 8 conn., bench/credentials.js) | ${rps(c.writes.rps)} | ${ms(c.writes.p50)} | ${ms(c.writes.p99)} |

What the wildcard index (\`devices_strings_idx\`, trigram GIN over the string leaves) costs, measured in bench/search.js
on the ${million}-device database: device creates (POST, 16 conn.) with the index, then with it dropped, then rebuilt
from its own definition.

| | creates | p50 | p99 |
|---|---|---|---|
| with the wildcard index | ${rps(s.writes.withIndex.rps)} | ${ms(s.writes.withIndex.p50)} | ${ms(s.writes.withIndex.p99)} |
| without it | ${rps(s.writes.withoutIndex.rps)} | ${ms(s.writes.withoutIndex.p50)} | ${ms(s.writes.withoutIndex.p99)} |

Index size ${s.writes.sizes.strings.toFixed(0)} MB (the jsonb_path_ops index ${s.writes.sizes.body.toFixed(0)} MB, the primary key
${s.writes.sizes.pkey.toFixed(0)} MB, the table ${s.writes.sizes.tab.toFixed(0)} MB); building it over ${million} devices took ${(s.writes.rebuildMs / 1000).toFixed(1)} s.

### Device authentication (bench/credentials.js \`authentications\`)
\`POST /v1/authenticate/{tenant}\` by a protocol adapter's operator (Bearer token, \`registry.adapter\`), 64 devices
taken in turn, each with a bcrypt (\`pwd-plain\`) password credential and an x509 credential (attempts for one device
are counted before they are verified, so one device hammered in parallel would be throttled), 10 s per run after a 2 s warm-up. bcrypt runs on the
libuv pool (4 threads), so with 2 cores the rate is bound by bcrypt's cost, not by the service.

| | connections | req/s | p50 | p99 |
|---|---|---|---|---|
${[10, 4].map((cost) => `| hashed-password, bcrypt cost ${cost} | 16 | ${rps(d[cost].bcrypt.rps)} | ${ms(d[cost].bcrypt.p50)} | ${ms(d[cost].bcrypt.p99)} |`).join('\n')}
| x509-cert (subject DN lookup, no hashing) | 32 | ${rps(d[4].x509.rps)} | ${ms(d[4].x509.p50)} | ${ms(d[4].x509.p99)} |

### Reads while pwd-plain credentials are written (bench/credentials.js \`readsDuringWrites\`)
${CONNECTIONS} connections GET one device (API token) while 8 connections PUT credentials with a new \`pwd-plain\`
as fast as they can (bcrypt cost 10, hashed off the event loop).

| | req/s | p50 | p99 | max |
|---|---|---|---|---|
| reads alone | ${rps(c.alone.rps)} | ${ms(c.alone.p50)} | ${ms(c.alone.p99)} | ${ms(c.alone.max)} |
| reads during writes | ${rps(c.during.rps)} | ${ms(c.during.p50)} | ${ms(c.during.p99)} | ${ms(c.during.max)} |

### Hono's adapter APIs over AMQP (bench/amqp.js)
${q.devices.toLocaleString('en-US')} devices behind one gateway, each with a hashed-password credential (SQL). The
adapter's account is a user granted the tenant; AMQP logs in with its \`registry.adapter\` API token, HTTP with an
\`auth\` one. ${q.inFlight} requests in flight, spread over ${q.connections} AMQP connections with one request link pair each
(as Hono's clients open them), a different device each request; autocannon with ${q.inFlight} connections for the HTTP
\`GET /v1/devices/{t}/{d}\` of the same service; ${SECONDS} s per run, ${process.env.BENCH_ROUNDS ?? 2} rounds alternating
after a warm-up. Hono's client gives up on a request after 200 ms.

| | req/s | p50 | p99 |
|---|---|---|---|
| HTTP device GET | ${rps(q.http.rps)} | ${ms(q.http.p50)} | ${ms(q.http.p99)} |
| AMQP registration \`assert\` (device_id + gateway_id) | ${rps(q.assert.rps)} | ${ms(q.assert.p50)} | ${ms(q.assert.p99)} |
| AMQP credentials \`get\` (hashed-password by auth-id) | ${rps(q.get.rps)} | ${ms(q.get.p50)} | ${ms(q.get.p99)} |

### Search over ${million} devices (bench/search.js)
${million} devices in one tenant (\`BENCH_DEVICES\`), written as Hono's file-based registry files and loaded with
\`npm run cli -- import hono\`${s.loadMs ? ` in ${(s.loadMs / 1000).toFixed(1)} s` : ' (already loaded in bench/.data from an earlier run)'}, as a user fills a tenant.
Sequential requests through the service after 5 warm-ups; 100 samples each (20 for the two that count
many matches). Every search's \`total\` is checked against the generated data before it is timed.

| query | total | p50 | p99 |
|---|---|---|---|
${s.results.map((x) => `| ${x.name} | ${x.total ?? ''} | ${ms(x.p50)} | ${ms(x.p99)} |`).join('\n')}

### Resident memory
VmRSS of the service process (\`/proc/<pid>/status\`), sampled every 250 ms during each phase, the service started
with the V8 settings of docs/running.md ("Memory"); peak per phase:
${Object.entries(memory)
  .map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`)
  .join(', ')}.

### Where the read time goes
CPU time per device GET, read from \`/proc\` over 8 s runs at 32 connections (interleaved runs; this machine's
speed drifts by some 10 % between runs): the service 175–220 µs, the baseline 125–140 µs; PostgreSQL 60–95 µs
per request for either. About 80 µs of each is the kernel's work in the two socket writes (the answer, and pg's
statement), the same for both, as \`strace -c\` shows the same calls per request (two reads, one write, one
writev). The rest of the gap is user time in the service's stack, and a CPU profile
(\`BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=…"\`) shows it spread thin: Node's own http and event code, pg,
Nest's pipeline (guard, parameter pipes), fastify's hooks and reply, @nestjs/passport (its per-request options
merge, passport's per-attempt strategy objects), none above 3 % of the busy time. Taken off the read path since
the last recorded run, with their share of the busy time in the profile before: parsing the row's timestamps into
Dates and printing them again (3.5 %; PostgreSQL now prints Hono's form), prom-client's label validation and
hashing on every observation (3.6 %; docs/dependencies.md), the guard's metadata lookups (1 %), a route lookup
per request for the security headers, and an error listener added and removed per statement. Reads-only runs on
the same machine went from 0.66 to 0.76 of the baseline with them. Garbage collection takes about 2 µs per
request since V8's allocation-site pretenuring is off (docs/running.md, "Memory"; it took 20–80 µs).
`;
}

main().catch((error) => {
  clearInterval(sampler);
  console.error(error);
  process.exit(1);
});
