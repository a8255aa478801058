import { freePort } from '../lifecycle/server-process';
import { startTestApp, TestApp } from '../setup/test-app';
import { HonoAmqpClient } from './hono-amqp-client';

/** The service with its AMQP listener on a free port of its own (AMQP is off in the other suites). */
export interface AmqpTestApp extends TestApp {
  amqpPort: number;
  /** A Hono-like client logged in with SASL PLAIN, closed with the app. */
  connect(username: string, password: string): Promise<HonoAmqpClient>;
}

export async function startAmqpTestApp(env: Record<string, string> = {}, options: { databaseUrl?: string } = {}): Promise<AmqpTestApp> {
  const amqpPort = await freePort();
  const app = await startTestApp({ BCRYPT_MAX_COST: '4', ...env, AMQP_PORT: String(amqpPort) }, options);
  const clients: HonoAmqpClient[] = [];
  return {
    ...app,
    amqpPort,
    async connect(username, password) {
      const client = await HonoAmqpClient.connect(amqpPort, username, password);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      await app.close();
    },
  };
}
