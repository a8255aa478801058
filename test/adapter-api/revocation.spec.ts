/**
 * An open AMQP connection follows revocations of its login, made over HTTP on this instance or on
 * another one of the same database: a deleted token, a disabled user or a changed password close the
 * connection with `amqp:unauthorized-access` (as Hono closes a connection whose authority ended); a
 * removed grant detaches that tenant's links with the same condition and its requests answer 403.
 */
import type { Connection, EventContext, Receiver, Sender } from 'rhea';
import { http, Http } from '../setup/http';
import { ADMIN, basic, startTestApp, TestApp } from '../setup/test-app';
import { AmqpTestApp, startAmqpTestApp } from './amqp-test-app';
import { AmqpLinkError, answer, HonoAmqpClient } from './hono-amqp-client';

let a: AmqpTestApp;
/** Another instance on the same database, without AMQP: the revocations are made there. */
let b: TestApp;
let adminA: Http;
let adminB: Http;
let users = 0;

/** The condition the registry closes the connection with (rejects if it stays open for `ms`). */
function closedWith(connection: Connection, ms = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the connection stayed open for ${ms} ms`)), ms);
    connection.once('connection_close', (context: EventContext) => {
      clearTimeout(timer);
      resolve((context as { error?: { condition?: string } }).error?.condition ?? 'no condition');
    });
  });
}

/** The condition the registry detaches the link with. */
function detachedWith(link: Sender | Receiver, what: 'sender' | 'receiver', ms = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${what} stayed attached for ${ms} ms`)), ms);
    link.once(`${what}_close`, (context: EventContext) => {
      clearTimeout(timer);
      resolve((context[what] as { error?: { condition?: string } } | undefined)?.error?.condition ?? 'no condition');
    });
  });
}

/** A fresh user granted both tenants, and an API token of it with the adapter's right. */
async function adapterUser(): Promise<{ username: string; password: string; token: string }> {
  const user = { username: `revoked-${++users}`, password: 'adapter-password' };
  const grants = [
    { tenant: 'kept', access: 'read' },
    { tenant: 'revoked', access: 'read' },
  ];
  expect((await adminB.post('/api/users', { ...user, tenants: grants })).status).toBe(201);
  const created = await http(b.baseUrl, basic(user.username, user.password)).post('/api/token', { permit: 'registry.adapter' });
  expect(created.status).toBe(201);
  return { ...user, token: created.body.token };
}

const assertDevice = (client: HonoAmqpClient, tenant: string) => client.requestLink('registration', tenant).then((link) => answer(link, { subject: 'assert', properties: { device_id: 'device-1' } }));

beforeAll(async () => {
  a = await startAmqpTestApp();
  b = await startTestApp({ BCRYPT_MAX_COST: '4' }, { databaseUrl: a.databaseUrl });
  adminA = http(a.baseUrl, a.admin);
  adminB = http(b.baseUrl, basic(ADMIN.username, ADMIN.password));
  for (const tenant of ['kept', 'revoked']) {
    expect((await adminA.post(`/v1/tenants/${tenant}`, {})).status).toBe(201);
    expect((await adminA.post(`/v1/devices/${tenant}/device-1`, {})).status).toBe(201);
  }
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('the login ends: the connection is closed with amqp:unauthorized-access', () => {
  it('a deleted API token, on another instance', async () => {
    const user = await adapterUser();
    const client = await a.connect(user.username, user.token);
    expect((await assertDevice(client, 'kept')).status).toBe(200);
    const closed = closedWith(client.connection);
    expect((await http(b.baseUrl, basic(user.username, user.password)).delete(`/api/token/${user.token}`)).status).toBe(200);
    expect(await closed).toBe('amqp:unauthorized-access');
    await expect(HonoAmqpClient.connect(a.amqpPort, user.username, user.token)).rejects.toThrow();
  });

  it('a disabled user: both its password and its token connections', async () => {
    const user = await adapterUser();
    const byPassword = await a.connect(user.username, user.password);
    const byToken = await a.connect(user.username, user.token);
    expect((await assertDevice(byPassword, 'kept')).status).toBe(200);
    const closed = [closedWith(byPassword.connection), closedWith(byToken.connection)];
    expect((await adminB.put(`/api/users/${user.username}`, { enabled: false })).status).toBe(200);
    expect(await Promise.all(closed)).toEqual(['amqp:unauthorized-access', 'amqp:unauthorized-access']);
  });

  it('a deleted user', async () => {
    const user = await adapterUser();
    const client = await a.connect(user.username, user.token);
    const closed = closedWith(client.connection);
    expect((await adminB.delete(`/api/users/${user.username}`)).status).toBe(204);
    expect(await closed).toBe('amqp:unauthorized-access');
  });

  it('a changed password ends the password login; the token login keeps working', async () => {
    const user = await adapterUser();
    const byPassword = await a.connect(user.username, user.password);
    const byToken = await a.connect(user.username, user.token);
    const tokenLink = await byToken.requestLink('registration', 'kept');
    const closed = closedWith(byPassword.connection);
    expect((await adminB.put(`/api/users/${user.username}`, { password: 'a-new-adapter-password' })).status).toBe(200);
    expect(await closed).toBe('amqp:unauthorized-access');
    expect((await answer(tokenLink, { subject: 'assert', properties: { device_id: 'device-1' } })).status).toBe(200);
    await expect(closedWith(byToken.connection, 500)).rejects.toThrow('stayed open');
  });
});

describe('a grant removed: the tenant is out of reach, the rest stays', () => {
  it('detaches the tenant links with amqp:unauthorized-access, answers 403 for it on the tenant API, serves the other tenant', async () => {
    const user = await adapterUser();
    const client = await a.connect(user.username, user.token);
    const revokedLink = await client.requestLink('registration', 'revoked');
    const keptLink = await client.requestLink('credentials', 'kept');
    const tenantLink = await client.requestLink('tenant');
    expect((await answer(revokedLink, { subject: 'assert', properties: { device_id: 'device-1' } })).status).toBe(200);
    expect((await answer(tenantLink, { subject: 'get', body: { 'tenant-id': 'revoked' } })).status).toBe(200);
    const detached = [detachedWith(revokedLink.sender, 'sender'), detachedWith(revokedLink.receiver, 'receiver')];
    expect((await adminB.put(`/api/users/${user.username}`, { tenants: [{ tenant: 'kept', access: 'read' }] })).status).toBe(200);
    expect(await Promise.all(detached)).toEqual(['amqp:unauthorized-access', 'amqp:unauthorized-access']);
    expect((await answer(tenantLink, { subject: 'get', body: { 'tenant-id': 'revoked' } })).status).toBe(403);
    expect((await answer(tenantLink, { subject: 'get', body: { 'tenant-id': 'kept' } })).status).toBe(200);
    expect((await answer(keptLink, { subject: 'get', body: { type: 'hashed-password', 'auth-id': 'nobody' } })).status).toBe(404);
    const again = await client.requestLink('registration', 'revoked').catch((error: unknown) => error);
    expect(again).toBeInstanceOf(AmqpLinkError);
    expect((again as AmqpLinkError).condition).toBe('amqp:unauthorized-access');
  });

  it('a token whose permit loses registry.adapter is no adapter any more', async () => {
    const user = await adapterUser();
    const client = await a.connect(user.username, user.token);
    expect((await assertDevice(client, 'kept')).status).toBe(200);
    const closed = closedWith(client.connection);
    // the permit of a stored token is changed in the database (no API changes it): the trigger notifies
    await a.db.query(`UPDATE api_tokens SET permit = 'auth' WHERE user_id = (SELECT id FROM users WHERE username = $1)`, [user.username]);
    expect(await closed).toBe('amqp:unauthorized-access');
  });
});
