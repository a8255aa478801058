import { randomUUID } from 'node:crypto';
import { freePort } from '../lifecycle/server-process';
import { http, Http } from '../setup/http';
import { ADMIN, startTestApp, TestApp } from '../setup/test-app';
import { HonoAmqpClient, RequestLink } from './hono-amqp-client';

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

/**
 * Hono's registerTemporaryTenant for one API: one service and admin client per suite, a fresh tenant and a
 * request link to it for every test.
 */
export function withTemporaryTenant(endpoint: 'registration' | 'credentials') {
  const suite = {} as { app: AmqpTestApp; api: Http; tenantId: string; link: RequestLink };
  let client: HonoAmqpClient;
  beforeAll(async () => {
    suite.app = await startAmqpTestApp();
    suite.api = http(suite.app.baseUrl, suite.app.admin);
    client = await suite.app.connect(ADMIN.username, ADMIN.password);
  });
  afterAll(() => suite.app.close());
  beforeEach(async () => {
    suite.tenantId = `tenant-${randomUUID()}`;
    expect((await suite.api.post(`/v1/tenants/${suite.tenantId}`, {})).status).toBe(201);
    suite.link = await client.requestLink(endpoint, suite.tenantId);
  });
  afterEach(() => suite.link.close());
  return suite;
}
