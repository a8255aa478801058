import { startEmbeddedPostgres, waitForDatabase } from '@app/database';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../database/data-source';
import { RegistryConfig, withoutPassword } from '../config/config';
import { resolveSecretKey } from '../config/secret-key';
import { CliError } from './command';

/**
 * The URL of the embedded PostgreSQL when it already runs on DATA_DIR (the service is up): the command
 * then uses it instead of starting a second server on the same cluster.
 */
async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  const passwordFile = join(dataDir, 'postgres.password');
  if (!existsSync(pidFile) || !existsSync(passwordFile)) return undefined;
  const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  const password = readFileSync(passwordFile, 'utf8').trim();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return url;
  } catch {
    return undefined; // a stale pid file: startEmbeddedPostgres deals with it
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs `work` against the service's database: DATABASE_URL (waited for like the server does), the
 * embedded PostgreSQL already running on DATA_DIR, or one started for the command and stopped after it.
 */
export async function withDatabase<T>(config: RegistryConfig, work: (databaseUrl: string) => Promise<T>): Promise<T> {
  if (config.databaseUrl !== undefined) {
    const url = config.databaseUrl;
    await waitForDatabase(url, config.databaseWaitSeconds).catch((error: Error) => {
      throw new CliError(`${error.message} (DATABASE_URL=${withoutPassword(url)})`);
    });
    return work(url);
  }
  const running = await runningEmbeddedUrl(config.dataDir);
  if (running !== undefined) return work(running);
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir }).catch((error: Error) => {
    throw new CliError(error.message);
  });
  try {
    return await work(embedded.url);
  } finally {
    await embedded.stop();
  }
}

/**
 * `work` in a Nest application context on the service's database once it is migrated (a command on a
 * fresh DATA_DIR or a new DATABASE_URL finds the tables it needs, as the server would): the commands get
 * the same services and repositories as the HTTP API from it. Closed when `work` is done.
 */
export function withApplication<T>(config: RegistryConfig, work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  return withDatabase(config, async (url) => {
    await migrate(url).catch((error: Error) => {
      throw new CliError(`migrations failed: ${error.message}`);
    });
    // loaded here, so that `help` and the argument checks never load the feature modules
    const { CliModule } = await import('./cli.module');
    // only the ADMIN_USERNAME bootstrap is the server's start, not a command's
    const runtime = { config: { ...config, adminUsername: undefined, adminPassword: undefined }, databaseUrl: url, secretKey: resolveSecretKey(config) };
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(runtime), { logger: ['fatal', 'error'], abortOnError: false });
    try {
      return await work(app);
    } finally {
      await app.close();
    }
  });
}
