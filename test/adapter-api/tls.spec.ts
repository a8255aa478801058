/** AMQPS (AMQP_TLS_KEY / AMQP_TLS_CERT on AMQPS_PORT): SASL PLAIN over TLS, and SASL EXTERNAL with a client certificate. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lifecycle/server-process';
import { http } from '../setup/http';
import { ADMIN, startTestApp, TestApp } from '../setup/test-app';
import { answer, HonoAmqpClient } from './hono-amqp-client';

let dir: string;
let app: TestApp;
let tlsPort: number;
const pem = (name: string) => readFileSync(join(dir, name));

/** A CA, a server certificate for localhost and a client certificate for `clientCn`, all made by openssl. */
function makePki(clientCn: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=registry-test-ca', '-days', '2');
  for (const [name, subject] of [['server', '/CN=localhost'], ['client', `/CN=${clientCn}`], ['stranger', `/CN=${clientCn}`]]) {
    openssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  }
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
  // a certificate for the same name from no CA the registry knows
  openssl('x509', '-req', '-in', 'stranger.csr', '-signkey', 'stranger.key', '-out', 'stranger.pem', '-days', '2');
  writeFileSync(join(dir, 'chain.pem'), Buffer.concat([pem('server.pem'), pem('ca.pem')]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'amqps-'));
  makePki(ADMIN.username);
  tlsPort = await freePort();
  app = await startTestApp({ AMQPS_PORT: String(tlsPort), AMQP_TLS_KEY: join(dir, 'server.key'), AMQP_TLS_CERT: join(dir, 'chain.pem') });
  expect((await http(app.baseUrl, app.admin).post('/v1/tenants/secure', {})).status).toBe(201);
}, 60_000);
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const tls = (extra: Record<string, unknown> = {}) => ({ transport: 'tls', ca: pem('ca.pem'), servername: 'localhost', rejectUnauthorized: true, ...extra });

async function tenantGet(client: HonoAmqpClient): Promise<number> {
  const link = await client.requestLink('tenant');
  const status = (await answer(link, { subject: 'get', body: { 'tenant-id': 'secure' } })).status;
  await client.close();
  return status;
}

it('serves the adapter APIs over TLS with SASL PLAIN', async () => {
  expect(await tenantGet(await HonoAmqpClient.connect(tlsPort, ADMIN.username, ADMIN.password, tls()))).toBe(200);
  await expect(HonoAmqpClient.connect(tlsPort, ADMIN.username, 'wrong', tls())).rejects.toThrow();
});

it('logs in with SASL EXTERNAL as the user named by the CN of a client certificate from the configured chain', async () => {
  const client = await HonoAmqpClient.connect(tlsPort, undefined, undefined, tls({ key: pem('client.key'), cert: pem('client.pem'), enable_sasl_external: true }));
  expect(await tenantGet(client)).toBe(200);
});

it('refuses EXTERNAL for a certificate no configured CA issued', async () => {
  await expect(
    HonoAmqpClient.connect(tlsPort, undefined, undefined, tls({ key: pem('stranger.key'), cert: pem('stranger.pem'), enable_sasl_external: true })),
  ).rejects.toThrow();
});
