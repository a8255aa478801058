/**
 * Hono's DeviceRegistryNotificationsIT over AMQP, across two instances on one database: the writes go
 * to instance B (HTTP only), the subscribers listen on instance A. Also the CLI import and
 * auto-provisioning, and what a restricted subscriber gets.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Receiver } from 'rhea';
import { cleanUp, ensureBuilt, ROOT, runCli, tempDir } from '../lifecycle/server-process';
import { http, Http } from '../setup/http';
import { ADMIN, startTestApp, TEST_SECRET_KEY, TestApp } from '../setup/test-app';
import { AmqpTestApp, startAmqpTestApp } from './amqp-test-app';
import { answer, HonoAmqpClient } from './hono-amqp-client';

jest.setTimeout(60_000);

let a: AmqpTestApp;
let b: TestApp;
let apiB: Http;
let admin: HonoAmqpClient;

type Notification = Record<string, any>;

/** A subscriber of a notification address, collecting what it receives. */
async function subscribe(client: HonoAmqpClient, address: string): Promise<Notification[]> {
  const received: Notification[] = [];
  const receiver: Receiver = await client.openReceiver(address);
  receiver.on('message', (context) => {
    const message = context.message!;
    expect(message.content_type).toBe('application/json');
    received.push(JSON.parse((message.body as { content: Buffer }).content.toString('utf8')));
  });
  return received;
}

async function until(check: () => void, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const ofTenant = (notifications: Notification[], tenantId: string) => notifications.filter((n) => n['tenant-id'] === tenantId);

beforeAll(async () => {
  ensureBuilt();
  a = await startAmqpTestApp();
  b = await startTestApp({}, { databaseUrl: a.databaseUrl });
  apiB = http(b.baseUrl, b.admin);
  admin = await a.connect(ADMIN.username, ADMIN.password);
}, 240_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
  cleanUp();
});

describe('DeviceRegistryNotificationsIT', () => {
  it('testReceiveNotificationViaAmqp: tenant, device and credentials changes made on another instance', async () => {
    const tenants = await subscribe(admin, 'notification/registry-tenant');
    const devices = await subscribe(admin, 'notification/registry-device');
    // addDeviceForTenant
    expect((await apiB.post('/v1/tenants/notified', {})).status).toBe(201);
    expect((await apiB.post('/v1/devices/notified/device-1', {})).status).toBe(201);
    expect((await apiB.put('/v1/credentials/notified/device-1', [{ type: 'hashed-password', 'auth-id': 'device-1', secrets: [{ 'pwd-plain': 'secret' }] }])).status).toBe(204);
    await until(() => expect(ofTenant(devices, 'notified')).toHaveLength(2));
    const stamp = { source: 'device-registry', 'creation-time': expect.stringMatching(/^\d{4}-\d\d-\d\dT/) };
    expect(ofTenant(tenants, 'notified')).toEqual([
      { ...stamp, type: 'tenant-change-v1', change: 'CREATE', 'tenant-id': 'notified', enabled: true, 'invalidate-cache-on-update': false },
    ]);
    expect(ofTenant(devices, 'notified')).toEqual([
      { ...stamp, type: 'device-change-v1', change: 'CREATE', 'tenant-id': 'notified', 'device-id': 'device-1', enabled: true },
      { ...stamp, type: 'credentials-change-v1', 'tenant-id': 'notified', 'device-id': 'device-1' },
    ]);
  });
});

describe('every management write notifies', () => {
  it('updates and deletes of devices and tenants, and deleting all devices of a tenant', async () => {
    const tenants = await subscribe(admin, 'notification/registry-tenant');
    const devices = await subscribe(admin, 'notification/registry-device');
    expect((await apiB.post('/v1/tenants/changing', {})).status).toBe(201);
    expect((await apiB.post('/v1/devices/changing/d1', {})).status).toBe(201);
    expect((await apiB.put('/v1/devices/changing/d1', { enabled: false })).status).toBe(204);
    expect((await apiB.delete('/v1/devices/changing/d1')).status).toBe(204);
    expect((await apiB.post('/v1/devices/changing/d2', {})).status).toBe(201);
    expect((await apiB.delete('/v1/devices/changing')).status).toBe(204);
    expect((await apiB.put('/v1/tenants/changing', { enabled: false })).status).toBe(204);
    expect((await apiB.delete('/v1/tenants/changing')).status).toBe(204);
    await until(() => expect(ofTenant(tenants, 'changing')).toHaveLength(3));
    expect(ofTenant(tenants, 'changing').map((n) => [n.change, n.enabled, n['invalidate-cache-on-update']])).toEqual([
      ['CREATE', true, false],
      ['UPDATE', false, true],
      ['DELETE', false, false],
    ]);
    expect(ofTenant(devices, 'changing').map((n) => [n.type, n.change, n['device-id'], n.enabled])).toEqual([
      ['device-change-v1', 'CREATE', 'd1', true],
      ['device-change-v1', 'UPDATE', 'd1', false],
      ['device-change-v1', 'DELETE', 'd1', false],
      ['device-change-v1', 'CREATE', 'd2', true],
      ['all-devices-of-tenant-deleted-v1', undefined, undefined, undefined],
    ]);
  });

  it('a failed write notifies nothing', async () => {
    const tenants = await subscribe(admin, 'notification/registry-tenant');
    expect((await apiB.post('/v1/tenants/once', {})).status).toBe(201);
    expect((await apiB.post('/v1/tenants/once', {})).status).toBe(409);
    expect((await apiB.put('/v1/tenants/missing', {})).status).toBe(404);
    await until(() => expect(ofTenant(tenants, 'once')).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ofTenant(tenants, 'once')).toHaveLength(1);
    expect(ofTenant(tenants, 'missing')).toHaveLength(0);
  });

  it('auto-provisioning through a gateway notifies the new device', async () => {
    const devices = await subscribe(admin, 'notification/registry-device');
    expect((await apiB.post('/v1/tenants/edge', {})).status).toBe(201);
    expect((await apiB.post('/v1/devices/edge/gw', { authorities: ['auto-provisioning-enabled'] })).status).toBe(201);
    const link = await admin.requestLink('registration', 'edge');
    expect((await answer(link, { subject: 'assert', properties: { device_id: 'new-edge', gateway_id: 'gw' } })).status).toBe(200);
    await until(() => expect(ofTenant(devices, 'edge').map((n) => n['device-id'])).toEqual(['gw', 'new-edge']));
  });

  it('the CLI import notifies what it loaded', async () => {
    const devices = await subscribe(admin, 'notification/registry-device');
    const tenants = await subscribe(admin, 'notification/registry-tenant');
    const dir = tempDir('amqp-import-');
    cpSync(join(ROOT, 'test/fixtures/hono'), dir, { recursive: true });
    const result = await runCli(['import', 'hono', dir], { DATABASE_URL: a.databaseUrl, SECRET_KEY: TEST_SECRET_KEY, BCRYPT_MAX_COST: '4' });
    expect(result.code).toBe(0);
    const { rows } = await a.db.query<{ tenant_id: string; id: string }>('SELECT tenant_id, id FROM devices WHERE tenant_id IN (SELECT id FROM tenants WHERE id NOT IN ($1, $2, $3)) ORDER BY 1, 2', ['notified', 'edge', 'once']);
    expect(rows.length).toBeGreaterThan(0);
    await until(() => {
      const created = devices.filter((n) => n.type === 'device-change-v1' && n.change === 'CREATE').map((n) => `${n['tenant-id']}/${n['device-id']}`);
      for (const row of rows) expect(created).toContain(`${row.tenant_id}/${row.id}`);
      expect(devices.some((n) => n.type === 'credentials-change-v1')).toBe(true);
      expect(tenants.length).toBeGreaterThan(0);
    });
  });
});

describe('who receives what', () => {
  it('a subscriber receives the notifications of the tenants it may read only', async () => {
    expect((await apiB.post('/v1/tenants/mine', {})).status).toBe(201);
    expect((await apiB.post('/v1/tenants/theirs', {})).status).toBe(201);
    expect((await apiB.post('/api/users', { username: 'subscriber', password: 'subscriber-password', tenants: [{ tenant: 'mine', access: 'read' }] })).status).toBe(201);
    const client = await a.connect('subscriber', 'subscriber-password');
    const devices = await subscribe(client, 'notification/registry-device');
    expect((await apiB.post('/v1/devices/theirs/x', {})).status).toBe(201);
    expect((await apiB.post('/v1/devices/mine/y', {})).status).toBe(201);
    await until(() => expect(devices).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(devices.map((n) => n['tenant-id'])).toEqual(['mine']);
  });
});
