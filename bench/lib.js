// Shared pieces of the benchmarks: an embedded PostgreSQL, the built service as a child process, timing.
const { spawn } = require('node:child_process');
const { createServer } = require('node:net');
const { join } = require('node:path');
const { Client } = require('pg');

const root = join(__dirname, '..');
const dist = (path) => join(root, 'dist', path);

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The embedded PostgreSQL under bench/.data (kept between runs so a loaded million stays loaded). */
async function startDatabase() {
  const { startEmbeddedPostgres } = require(dist('libs/database/src/embedded-postgres.js'));
  const server = await startEmbeddedPostgres({ dataDir: join(__dirname, '.data') });
  return server;
}

async function createDatabase(serverUrl, name) {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const { migrate } = require(dist('apps/registry/src/database/data-source.js'));
  await migrate(databaseUrl);
  return databaseUrl;
}

/** Every service child started and still running (run.js samples their resident memory). */
const services = new Set();

/** VmRSS of a process in MB, from /proc (undefined when it is gone or not on Linux). */
function residentMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The node options `npm start` gives the service (package.json; docs/running.md, "Memory"). */
const START_OPTIONS = require('../package.json').scripts.start.split(' ').filter((word) => word.startsWith('--'));

/** The built service on a free port, started as `npm start` starts it; resolves once /health answers. */
async function startService(databaseUrl, env = {}) {
  const port = await freePort();
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the service under load
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...START_OPTIONS, ...nodeArgs, dist('apps/registry/src/main.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, SECRET_KEY: 'b'.repeat(64), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', AMQP_PORT: '0', AMQPS_PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  services.add(child);
  child.once('exit', () => services.delete(child));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return { baseUrl, child, stop: () => stopChild(child) };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('service did not start');
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sequential latency of one request, after a warm-up: p50 and p99 in milliseconds. */
async function latency(url, count = 100, init = {}) {
  for (let i = 0; i < 5; i++) await (await fetch(url, init)).text();
  const times = [];
  let status;
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const response = await fetch(url, init);
    await response.text();
    status = response.status;
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { status, p50: percentile(times, 50), p99: percentile(times, 99) };
}

const basic = (username, password) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/**
 * JSON requests that set up a run, by default as the given user: `call(method, path, body, headers)`. An answer
 * of 400 or more throws, but for 409 (a rerun finds what it creates already there).
 */
function setupCalls(baseUrl, user) {
  const asUser = { authorization: basic(user.username, user.password), 'content-type': 'application/json' };
  return async (method, path, body, headers = asUser) => {
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body && JSON.stringify(body) });
    if (response.status >= 400 && response.status !== 409) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  };
}

module.exports = { root, dist, freePort, startDatabase, createDatabase, startService, latency, percentile, services, residentMb, basic, setupCalls };
