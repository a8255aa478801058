/**
 * The AMQP surface as Hono's clients meet it: SASL PLAIN against operator accounts, link handling
 * (addresses echoed, unknown endpoints, anonymous targets, settled senders, credit), replies on the
 * link named by reply-to, the registry.adapter right, the encoded type of `status`, graceful close.
 */
import { randomUUID } from 'node:crypto';
import rhea from 'rhea';
import { http, Http } from '../setup/http';
import { ADMIN, basic } from '../setup/test-app';
import { AmqpTestApp, startAmqpTestApp } from './amqp-test-app';
import { AmqpLinkError, answer, HonoAmqpClient, HonoResponse } from './hono-amqp-client';

let app: AmqpTestApp;
let api: Http;
let adminClient: HonoAmqpClient;

const USER = { username: 'adapter-user', password: 'adapter-user-password' };

/** An API token of USER with this permit, made over HTTP as an operator would. */
async function tokenWith(permit: string): Promise<string> {
  const created = await http(app.baseUrl, basic(USER.username, USER.password)).post('/api/token', { permit });
  expect(created.status).toBe(201);
  return created.body.token;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AmqpLinkError);
  return (error as AmqpLinkError).condition;
}

beforeAll(async () => {
  app = await startAmqpTestApp();
  api = http(app.baseUrl, app.admin);
  for (const tenant of ['granted', 'other']) expect((await api.post(`/v1/tenants/${tenant}`, {})).status).toBe(201);
  expect((await api.post('/v1/devices/granted/device-1', {})).status).toBe(201);
  expect((await api.post('/v1/devices/other/device-1', {})).status).toBe(201);
  expect((await api.post('/api/users', { ...USER, tenants: [{ tenant: 'granted', access: 'read' }] })).status).toBe(201);
  adminClient = await app.connect(ADMIN.username, ADMIN.password);
});
afterAll(() => app.close());

describe('SASL PLAIN with operator accounts', () => {
  it('refuses a wrong password and an unknown user', async () => {
    await expect(HonoAmqpClient.connect(app.amqpPort, USER.username, 'wrong-password')).rejects.toThrow();
    await expect(HonoAmqpClient.connect(app.amqpPort, 'nobody', 'whatever')).rejects.toThrow();
  });

  it('accepts the password of a user and an API token whose permit is registry.adapter', async () => {
    const byPassword = await app.connect(USER.username, USER.password);
    const link = await byPassword.requestLink('registration', 'granted');
    expect((await answer(link, { subject: 'assert', properties: { device_id: 'device-1' } })).status).toBe(200);
    const byToken = await app.connect(USER.username, await tokenWith('registry.adapter'));
    const tokenLink = await byToken.requestLink('registration', 'granted');
    expect((await answer(tokenLink, { subject: 'assert', properties: { device_id: 'device-1' } })).status).toBe(200);
  });

  it('counts failures in the same throttle as HTTP logins', async () => {
    const name = 'throttled-user';
    expect((await api.post('/api/users', { username: name, password: 'throttled-password' })).status).toBe(201);
    for (let i = 0; i < 6; i++) await expect(HonoAmqpClient.connect(app.amqpPort, name, `wrong-${i}`)).rejects.toThrow();
    const overHttp = await http(app.baseUrl, basic(name, 'wrong-again')).get('/api/me');
    expect(overHttp.status).toBe(429);
  });
});

describe('the registry.adapter right and tenant grants', () => {
  it('refuses every link to a token without registry.adapter as amqp:unauthorized-access', async () => {
    const client = await app.connect(USER.username, await tokenWith('auth'));
    expect(await refusal(client.openSender('registration/granted'))).toBe('amqp:unauthorized-access');
    expect(await refusal(client.openReceiver(`tenant/${randomUUID()}`))).toBe('amqp:unauthorized-access');
    expect(await refusal(client.openReceiver('notification/registry-device'))).toBe('amqp:unauthorized-access');
  });

  it('refuses the links of a tenant the account has no grant for', async () => {
    const client = await app.connect(USER.username, USER.password);
    expect(await refusal(client.openReceiver(`registration/other/${randomUUID()}`))).toBe('amqp:unauthorized-access');
    expect(await refusal(client.openSender('credentials/other'))).toBe('amqp:unauthorized-access');
    // a tenant request for it: 403
    const tenantLink = await client.requestLink('tenant');
    expect((await answer(tenantLink, { subject: 'get', body: { 'tenant-id': 'other' } })).status).toBe(403);
    expect((await answer(tenantLink, { subject: 'get', body: { 'tenant-id': 'granted' } })).status).toBe(200);
  });
});

describe('links as Hono clients expect them', () => {
  it('echoes both addresses of accepted links (the client checks them) and grants credit', async () => {
    const link = await adminClient.requestLink('credentials', 'granted');
    expect(link.sender.target?.address).toBe('credentials/granted');
    expect(link.receiver.source?.address).toBe(link.replyTo);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((link.sender as unknown as { credit: number }).credit).toBeGreaterThan(0);
  });

  it.each([
    ['an unknown endpoint', 'unknown/granted', 'amqp:not-found'],
    ['registration without a tenant', 'registration', 'amqp:not-found'],
    ['an anonymous target', undefined, 'amqp:not-allowed'],
  ])('refuses a sender to %s', async (_name, address, condition) => {
    expect(await refusal(adminClient.openSender(address))).toBe(condition);
  });

  it('refuses a request link that sends settled (at-most-once) with amqp:precondition-failed', async () => {
    expect(await refusal(adminClient.openSender('registration/granted', { snd_settle_mode: 1 }))).toBe('amqp:precondition-failed');
  });

  it('refuses a second reply link on the same address with amqp:illegal-state', async () => {
    const address = `registration/granted/${randomUUID()}`;
    await adminClient.openReceiver(address);
    expect(await refusal(adminClient.openReceiver(address))).toBe('amqp:illegal-state');
  });

  it('replenishes credit: more requests than the initial credit are all answered', async () => {
    const link = await adminClient.requestLink('registration', 'granted');
    const statuses: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => answer(link, { subject: 'assert', properties: { device_id: 'device-1' } })));
      statuses.push(...answers.map((response) => response.status));
    }
    expect(statuses).toEqual(Array(250).fill(200));
    expect((link.sender as unknown as { credit: number }).credit).toBeGreaterThan(0);
  });

  it('answers on the receiver link named in reply-to', async () => {
    const link = await adminClient.requestLink('registration', 'granted');
    const other = `registration/granted/${randomUUID()}`;
    const receiver = await adminClient.openReceiver(other);
    const arrived = new Promise<rhea.Message>((resolve) => receiver.once('message', (context) => resolve(context.message!)));
    await link.sender.send({ message_id: 'to-the-other-link', subject: 'assert', reply_to: other, application_properties: { device_id: 'device-1' }, body: undefined } as rhea.Message);
    const message = await arrived;
    expect(message.correlation_id).toBe('to-the-other-link');
    expect(message.application_properties?.status).toBe(200);
  });

  it('encodes status as an AMQP int, not an unsigned int (Hono drops the response otherwise)', async () => {
    const link = await adminClient.requestLink('registration', 'granted');
    const decode = jest.spyOn(rhea.message, 'decode');
    let response: HonoResponse;
    let decoded: Buffer[];
    try {
      response = await answer(link, { subject: 'assert', properties: { device_id: 'device-1' }, messageId: 'typed-status' });
    } finally {
      decoded = decode.mock.calls.map(([buffer]) => Buffer.from(buffer as Buffer));
      decode.mockRestore();
    }
    expect(response.status).toBe(200);
    // find the encoded response among what rhea decoded, and read its application properties with their types
    const encoded = decoded.find((buffer) => rhea.message.decode(buffer).correlation_id === 'typed-status');
    expect(encoded).toBeDefined();
    // rhea's decoder, which its typings do not declare
    const { Reader } = rhea.types as unknown as { Reader: new (buffer: Buffer) => { remaining(): number; read(): rhea.Typed & { descriptor?: rhea.Typed } } };
    const reader = new Reader(encoded!);
    let properties: rhea.Typed | undefined;
    while (reader.remaining() > 0) {
      const section = reader.read();
      if (section.descriptor?.value === 0x74) properties = section;
    }
    const map = (properties!.value as rhea.Typed[]) ?? [];
    const index = map.findIndex((entry) => entry.value === 'status');
    const status = map[index + 1];
    // 0x71 int, 0x54 smallint; never 0x70 uint, 0x52 smalluint, 0x43 uint0
    expect([0x71, 0x54]).toContain(status.type.typecode);
    expect(status.value).toBe(200);
  });
});

describe('closing', () => {
  it('answers the requests in flight when the service shuts down, then closes the connection', async () => {
    const closing = await startAmqpTestApp({}, {});
    try {
      const ownApi = http(closing.baseUrl, closing.admin);
      expect((await ownApi.post('/v1/tenants/t', {})).status).toBe(201);
      expect((await ownApi.post('/v1/devices/t/d', {})).status).toBe(201);
      const client = await closing.connect(ADMIN.username, ADMIN.password);
      const link = await client.requestLink('registration', 't');
      // hold the requests in the database until the shutdown has begun
      await closing.db.query('BEGIN');
      await closing.db.query('LOCK TABLE devices IN ACCESS EXCLUSIVE MODE');
      const pending = Array.from({ length: 5 }, () => answer(link, { subject: 'assert', properties: { device_id: 'd' } }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closed = closing.app.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // a new connection is refused meanwhile
      await expect(HonoAmqpClient.connect(closing.amqpPort, ADMIN.username, ADMIN.password)).rejects.toThrow();
      await closing.db.query('COMMIT');
      const answers = await Promise.all(pending);
      expect(answers.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
      await closed;
    } finally {
      await closing.db.end().catch(() => undefined);
    }
  });
});
