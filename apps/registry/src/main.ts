// first: the V8 settings hold for everything allocated from here on
import './heap-settings';
import 'reflect-metadata';
import { AmqpListenError, AmqpServer } from '@app/adapter-api';
import { startEmbeddedPostgres, waitForDatabase } from '@app/database';
import type { INestApplication } from '@nestjs/common';
import { ConfigError, loadConfig, RegistryConfig, withoutPassword } from './config/config';
import { resolveSecretKey } from './config/secret-key';
import { checkHost, databaseUnreachable, listenFailure, prepareDataDir, StartupError, waitingForDatabase } from './config/startup-checks';
import { createRegistryApp } from './app';
import { migrate } from './database/data-source';
import { ensureFirstAdmin } from './first-admin';

/** How long in-flight requests may take to finish after SIGTERM before the process gives up. */
const SHUTDOWN_TIMEOUT_MS = 15_000;
/** The terminal's Ctrl+C and npm's forwarding of it arrive together: one signal, not a second one. */
const SAME_SIGNAL_MS = 1_000;

const say = (line: string) => process.stderr.write(`device-registry: ${line}\n`);

function fail(message: string): never {
  say(message);
  process.exit(1);
}

/**
 * SIGTERM / SIGINT: stop accepting, let in-flight requests finish, close the pool, stop the embedded
 * PostgreSQL, exit 0. A second signal (later than SAME_SIGNAL_MS) exits at once.
 */
function closeOnSignals(app: INestApplication): void {
  let closingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closingSince !== undefined) {
      if (Date.now() - closingSince < SAME_SIGNAL_MS) return;
      fail(`${signal} again: exiting without waiting for the graceful shutdown`);
    }
    closingSince = Date.now();
    say(`${signal} received, shutting down`);
    setTimeout(() => fail(`graceful shutdown took more than ${SHUTDOWN_TIMEOUT_MS / 1000}s`), SHUTDOWN_TIMEOUT_MS).unref();
    app.close().then(
      () => process.exit(0),
      (error: Error) => fail(`shutdown failed: ${error.message}`),
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, onSignal);
  }
}

/** The URL a person on this machine opens: `localhost` for the wildcard addresses. */
function browsableUrl(config: RegistryConfig): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(config.host) ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

async function main(): Promise<void> {
  let config: RegistryConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration: ${error.message}`);
    throw error;
  }
  await checkHost(config.host);
  let databaseUrl = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (databaseUrl === undefined) {
    await prepareDataDir(config.dataDir);
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir }).catch((error: Error) => fail(error.message));
    databaseUrl = embedded.url;
    stopEmbedded = embedded.stop;
  } else {
    await waitForDatabase(databaseUrl, config.databaseWaitSeconds, (reason) => say(waitingForDatabase(databaseUrl!, reason))).catch((error: Error) =>
      fail(databaseUnreachable(error, databaseUrl!).message),
    );
  }
  try {
    await migrate(databaseUrl);
  } catch (error) {
    await stopEmbedded?.();
    fail(`migrations failed: ${(error as Error).message}`);
  }

  const app = await createRegistryApp({ config, databaseUrl, secretKey: resolveSecretKey(config), onShutdown: stopEmbedded });
  closeOnSignals(app);
  const url = browsableUrl(config);
  let login: string;
  try {
    await app.init();
    login = await ensureFirstAdmin(app, config, url);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close().catch(() => undefined);
    if (error instanceof AmqpListenError) fail(error.message);
    throw (error as NodeJS.ErrnoException).syscall === 'listen' || (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? listenFailure(error, config) : error;
  }
  // the few lines a person starting the service needs, in plain words, before the request logs
  say(`listening on ${url}${url.includes(config.host) ? '' : ` (HOST ${config.host})`}`);
  say(`data: ${config.databaseUrl ? `PostgreSQL at ${withoutPassword(config.databaseUrl)}` : `embedded PostgreSQL in ${config.dataDir}`}`);
  say(login);
  say(`Swagger UI: ${url}/api/docs (press Authorize and log in there)`);
  const amqpPorts = app.get(AmqpServer).ports;
  if (amqpPorts.length > 0) {
    say(`Hono adapter APIs over AMQP on ${amqpPorts.map((port, i) => `${i === 0 && config.amqp.port > 0 ? 'amqp' : 'amqps'}://${config.host}:${port}`).join(' and ')}`);
  }
}

main().catch((error) => fail(error instanceof StartupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)));
