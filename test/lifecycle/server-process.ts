/**
 * Runs the built server (dist/…/main.js) and the CLI as real processes, the way `npm start` does,
 * and cleans up after them: children still running at the end are killed, PostgreSQL servers they
 * left behind are stopped, temporary data directories are removed.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist/apps/registry/src/main.js');
export const CLI = join(ROOT, 'dist/apps/registry/src/cli.js');

/** Builds dist/ when it is missing or stale; a lock keeps parallel Jest workers from building at once. */
export function ensureBuilt(): void {
  const lock = join(ROOT, 'node_modules', '.cache', 'registry-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // another worker builds; a lock older than three minutes was left by a killed run
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`build lock ${lock} is held for too long`);
      execFileSync('sleep', ['0.5']);
    }
  }
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-needed.js')], { cwd: ROOT, stdio: 'pipe', timeout: 170_000 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const tempDirs = new Set<string>();
const children = new Set<ChildProcess>();

/** A temporary directory, removed (after stopping any PostgreSQL in it) by `cleanUp()`. */
export function tempDir(prefix = 'registry-lifecycle-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/**
 * A clean environment: nothing of the test run's own DATABASE_URL, SECRET_KEY or PORT leaks in. The AMQP
 * listeners are off unless a test asks for them, so concurrent servers do not fight over 5672.
 */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = { AMQP_PORT: '0', AMQPS_PORT: '0' };
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) if (process.env[name] !== undefined) base[name] = process.env[name]!;
  return { ...base, ...env };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Resolves with the exit, or rejects after `ms`. */
  waitForExit(ms: number): Promise<Exit>;
}

/** How to run the server: `node dist/…/main.js` in this checkout unless told otherwise (e.g. `npm start` in a clone). */
export interface SpawnOptions {
  command?: string;
  args?: string[];
  cwd?: string;
  /** A process group of its own, as a shell gives a foreground job: `process.kill(-pid, 'SIGINT')` is Ctrl+C. */
  detached?: boolean;
}

export function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): ServerProcess {
  const child = spawn(options.command ?? process.execPath, options.args ?? [MAIN], {
    cwd: options.cwd ?? ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const waitForExit = (ms: number) =>
    Promise.race([
      exited,
      new Promise<Exit>((_, reject) => setTimeout(() => reject(new Error(`the server did not exit within ${ms} ms; stderr:\n${stderr}`)), ms).unref()),
    ]);
  return { child, baseUrl: `http://127.0.0.1:${env.PORT}`, stdout: () => stdout, stderr: () => stderr, exited, waitForExit };
}

/** Polls /health until it answers 200; fails early (with the server's stderr) if the process exits. */
export async function waitUntilServing(server: ServerProcess, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exit: Exit | undefined;
  void server.exited.then((value) => (exit = value));
  while (Date.now() < deadline) {
    if (exit) throw new Error(`the server exited (${JSON.stringify(exit)}) before serving; stderr:\n${server.stderr()}`);
    try {
      const response = await fetch(`${server.baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not serve within ${ms} ms; stderr:\n${server.stderr()}`);
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `node dist/…/cli.js args…` to completion (bounded by `ms`), with `input` on its standard input. */
export async function runCli(args: string[], env: Record<string, string>, ms = 120_000, input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(env), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin!.end(input);
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const exit = await new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  clearTimeout(timer);
  children.delete(child);
  return { ...exit, stdout, stderr };
}

/** The pid of the PostgreSQL running on `<dataDir>/postgres`, from its postmaster.pid, if any. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

/** Running, and not a zombie waiting for its (new) parent to reap it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`) || process.platform !== 'linux';
  }
}

/** Stops a PostgreSQL left on `dataDir` (e.g. orphaned by a kill -9): immediate shutdown, as `pg_ctl -m immediate` asks. */
function stopPostgresIn(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid === undefined || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return; // gone meanwhile
  }
  const deadline = Date.now() + 20_000;
  while (isAlive(pid) && Date.now() < deadline) execFileSync('sleep', ['0.1']);
}

/** Kills the children still running, stops the PostgreSQL servers they left, removes the temp dirs. */
export async function cleanUp(): Promise<void> {
  for (const child of children) {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
  children.clear();
  for (const dir of tempDirs) {
    stopPostgresIn(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  tempDirs.clear();
}

export interface PostgresProcess {
  url: string;
  /** Stops PostgreSQL (fast shutdown) and the process holding it. */
  stop(): Promise<void>;
}

/**
 * A dedicated embedded PostgreSQL, started with the built `startEmbeddedPostgres` in a plain Node
 * process, as the service runs it.
 */
export async function startPostgresProcess(dataDir: string, port?: number, ms = 30_000): Promise<PostgresProcess> {
  const launcher = join(ROOT, 'dist/libs/database/src/embedded-postgres.js');
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(launcher)});
    startEmbeddedPostgres({ dataDir: process.env.PG_DATA_DIR, ephemeral: true, port: Number(process.env.PG_PORT) || undefined }).then(
      (server) => {
        process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
        process.stdout.write(server.url + '\\n');
      },
      (error) => { process.stderr.write(error.message + '\\n'); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: ROOT,
    env: childEnv({ PG_DATA_DIR: dataDir, PG_PORT: port ? String(port) : '' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => (children.delete(child), resolve())));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within ${ms} ms: ${stderr}`)), ms);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve(stdout.trim());
      }
    });
    void exited.then(() => reject(new Error(`PostgreSQL did not start: ${stderr}`)));
  });
  return {
    url,
    // the script stops the server on SIGTERM, then exits
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An operator the spawned server creates at start (ADMIN_USERNAME / ADMIN_PASSWORD). */
export interface ProcessAdmin {
  username: string;
  password: string;
}

export const basicAuthorization = (admin: ProcessAdmin): string =>
  `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;

/** The built server with its embedded PostgreSQL under `dataDir`, a bootstrap admin, serving when this resolves. */
export async function startEmbeddedServer(dataDir: string, admin: ProcessAdmin, env: Record<string, string> = {}, ms = 90_000): Promise<ServerProcess> {
  // a port freePort() found free can be taken by another process before the server binds it: try another
  for (let attempt = 1; ; attempt++) {
    const server = spawnServer({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ADMIN_USERNAME: admin.username,
      ADMIN_PASSWORD: admin.password,
      BCRYPT_MAX_COST: '4',
      ...env,
    });
    try {
      await waitUntilServing(server, ms);
      return server;
    } catch (error) {
      if (attempt >= 3 || env.PORT !== undefined || !/PORT \d+ is already in use/.test(server.stderr())) throw error;
    }
  }
}
