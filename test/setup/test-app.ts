import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { createRegistryApp } from '../../apps/registry/src/app';
import { loadConfig } from '../../apps/registry/src/config/config';
import { connect, createTestDatabase } from './test-database';

export const ADMIN = { username: 'admin', password: 'admin-password-1' };

export const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`,
});

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  databaseUrl: string;
  /** A direct connection to the suite's database, for asserting state. */
  db: Client;
  /** Headers that authenticate as the bootstrap admin (ADMIN_USERNAME / ADMIN_PASSWORD). */
  admin: Record<string, string>;
  /** Every JSON log line the service wrote (when started with captureLogs). */
  logs: string[];
  close(): Promise<void>;
}

export const TEST_SECRET_KEY = 'a'.repeat(64);

/**
 * The whole service on a real port with its own database. `env` is applied as the environment would
 * be (same names as in production), so configuration is tested the way it is used.
 */
export async function startTestApp(env: Record<string, string> = {}, options: { captureLogs?: boolean; databaseUrl?: string } = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const logs: string[] = [];
  const logStream = options.captureLogs
    ? new Writable({
        write(chunk, _encoding, done) {
          logs.push(...chunk.toString('utf8').split('\n').filter((line: string) => line !== ''));
          done();
        },
      })
    : undefined;
  const config = loadConfig({
    LOG_LEVEL: options.captureLogs ? 'info' : 'silent',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    // every peer of the tests listens on 127.0.0.1
    OCPI_ALLOW_PRIVATE_NETWORKS: 'true',
    // AMQP is off unless a suite passes a port (amqpTestPort) of its own
    AMQP_PORT: '0',
    AMQPS_PORT: '0',
    ...env,
    DATABASE_URL: databaseUrl,
    SECRET_KEY: TEST_SECRET_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const app = await createRegistryApp({ config, databaseUrl, secretKey: TEST_SECRET_KEY, logStream });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  // PUBLIC_URL defaults to http://localhost:$PORT, and the port is only known now (OCPI URLs point back here)
  if (env.PUBLIC_URL === undefined) config.publicUrl = baseUrl;
  const db = await connect(databaseUrl);
  return {
    app,
    baseUrl,
    databaseUrl,
    db,
    admin: basic(ADMIN.username, ADMIN.password),
    logs,
    async close() {
      await db.end();
      await app.close();
    },
  };
}
