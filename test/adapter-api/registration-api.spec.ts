/** Hono's DeviceRegistrationApiTests (and DeviceRegistrationJmsIT's malformed requests) over real AMQP. */
import { randomUUID } from 'node:crypto';
import { withTemporaryTenant } from './amqp-test-app';
import { answer, isRejection } from './hono-amqp-client';

const suite = withTemporaryTenant('registration');

const randomDeviceId = () => `device-${randomUUID()}`;
const register = async (deviceId: string, body: object = {}) => expect((await suite.api.post(`/v1/devices/${suite.tenantId}/${deviceId}`, body)).status).toBe(201);
const assertRegistration = (deviceId: string, gatewayId?: string) =>
  answer(suite.link, { subject: 'assert', properties: gatewayId === undefined ? { device_id: deviceId } : { device_id: deviceId, gateway_id: gatewayId } });


describe('DeviceRegistrationApiTests', () => {
  it('testAssertRegistrationSucceedsForDevice: the device id and its defaults', async () => {
    const deviceId = randomDeviceId();
    const defaults = { 'content-type': 'application/vnd.acme+json' };
    await register(deviceId, { defaults });
    const response = await assertRegistration(deviceId);
    expect(response.status).toBe(200);
    expect(response.properties).toMatchObject({ status: 200, tenant_id: suite.tenantId, device_id: deviceId, cache_control: 'max-age = 300' });
    expect(response.message.content_type).toBe('application/json');
    expect(response.body).toEqual({ 'device-id': deviceId, defaults });
  });

  it('testAssertRegistrationSucceedsForDeviceViaGateway: the via list as registered', async () => {
    const gatewayId = randomDeviceId();
    const deviceId = randomDeviceId();
    const via = [gatewayId, 'another-gateway'];
    await register(gatewayId);
    await register(deviceId, { via });
    const response = await assertRegistration(deviceId, gatewayId);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ 'device-id': deviceId, via });
  });

  it('testAssertRegistrationSucceedsForDeviceViaGatewayGroup: a gateway admitted by its group', async () => {
    const gatewayId = randomDeviceId();
    const deviceId = randomDeviceId();
    await register(gatewayId, { memberOf: ['group'] });
    await register(deviceId, { viaGroups: ['group'] });
    const response = await assertRegistration(deviceId, gatewayId);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ 'device-id': deviceId, via: [gatewayId] });
  });

  it('testAssertRegistrationFailsForUnknownDevice: 404', async () => {
    expect((await assertRegistration('non-existing-device')).status).toBe(404);
  });

  it('testAssertRegistrationFailsForNonExistingGateway: 403', async () => {
    const deviceId = randomDeviceId();
    await register(deviceId);
    expect((await assertRegistration(deviceId, 'non-existing-gateway')).status).toBe(403);
  });

  it('testAssertRegistrationFailsForDisabledGateway: 403', async () => {
    const deviceId = randomDeviceId();
    const gatewayId = randomDeviceId();
    await register(gatewayId, { enabled: false });
    await register(deviceId, { via: [gatewayId] });
    expect((await assertRegistration(deviceId, gatewayId)).status).toBe(403);
  });

  it('testAssertRegistrationFailsForUnauthorizedGateway: 403', async () => {
    const deviceId = randomDeviceId();
    const authorized = randomDeviceId();
    const unauthorized = randomDeviceId();
    await register(authorized);
    await register(unauthorized);
    await register(deviceId, { via: [authorized] });
    expect((await assertRegistration(deviceId, unauthorized)).status).toBe(403);
    expect((await assertRegistration(deviceId, authorized)).status).toBe(200);
  });

  it('testAssertRegistrationFailsForDisabledDevice: 404', async () => {
    const deviceId = randomDeviceId();
    await register(deviceId, { enabled: false });
    expect((await assertRegistration(deviceId)).status).toBe(404);
  });
});

describe('DeviceRegistrationJmsIT: malformed requests', () => {
  it('testAssertRegistrationFailsForMissingDeviceId: 400', async () => {
    const response = await answer(suite.link, { subject: 'assert', properties: {} });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ description: expect.any(String) });
  });

  it('testRequestFailsForMissingSubject: rejected with hono:bad-request', async () => {
    const outcome = await suite.link.request({ subject: null, properties: { device_id: 'device' } });
    expect(isRejection(outcome) && outcome.rejected.condition).toBe('hono:bad-request');
  });

  it('testRequestFailsForUnsupportedOperation: 400', async () => {
    expect((await answer(suite.link, { subject: 'unsupported-operation', properties: { device_id: 'device' } })).status).toBe(400);
  });
});

describe('Registration assert, beyond the Hono suite', () => {
  it('answers the mappers and the command endpoint, and lists via plus the group members', async () => {
    const deviceId = randomDeviceId();
    await register('gw-direct');
    await register('gw-group-1', { memberOf: ['g1'] });
    await register('gw-group-2', { memberOf: ['g2', 'g3'] });
    await register('gw-other', { memberOf: ['g4'] });
    const commandEndpoint = { uri: 'https://example.com/commands/{{deviceId}}', headers: { a: 'b' } };
    await register(deviceId, {
      via: ['gw-direct'],
      viaGroups: ['g1', 'g3'],
      'downstream-message-mapper': 'down',
      'upstream-message-mapper': 'up',
      'command-endpoint': commandEndpoint,
      ext: { not: 'answered' },
    });
    const response = await assertRegistration(deviceId, 'gw-group-2');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      'device-id': deviceId,
      via: ['gw-direct', 'gw-group-1', 'gw-group-2'],
      'downstream-message-mapper': 'down',
      'upstream-message-mapper': 'up',
      'command-endpoint': commandEndpoint,
    });
    expect((await assertRegistration(deviceId, 'gw-other')).status).toBe(403);
  });

  it('404 for a tenant that does not exist (any more)', async () => {
    const deviceId = randomDeviceId();
    await register(deviceId);
    expect((await suite.api.delete(`/v1/tenants/${suite.tenantId}`)).status).toBe(204);
    expect((await assertRegistration(deviceId)).status).toBe(404);
  });

  it('400 for a device_id that is not a string', async () => {
    expect((await answer(suite.link, { subject: 'assert', properties: { device_id: 42 } })).status).toBe(400);
  });

  describe('edge auto-provisioning through a gateway with the auto-provisioning-enabled authority', () => {
    it('creates the unknown device with the gateway in via, marked auto-provisioned', async () => {
      await register('edge-gateway', { authorities: ['auto-provisioning-enabled'] });
      const response = await assertRegistration('edge-device-1', 'edge-gateway');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ 'device-id': 'edge-device-1', via: ['edge-gateway'] });
      const device = await suite.api.get(`/v1/devices/${suite.tenantId}/edge-device-1`);
      expect(device.status).toBe(200);
      expect(device.body).toEqual({ via: ['edge-gateway'], status: { created: expect.any(String), 'auto-provisioned': true } });
      // the second assertion finds it
      expect((await assertRegistration('edge-device-1', 'edge-gateway')).status).toBe(200);
    });

    it('does not provision through a gateway without the authority, nor a disabled one, nor an invalid id', async () => {
      await register('plain-gateway');
      await register('disabled-gateway', { enabled: false, authorities: ['auto-provisioning-enabled'] });
      await register('edge-gateway', { authorities: ['auto-provisioning-enabled'] });
      expect((await assertRegistration('edge-device-2', 'plain-gateway')).status).toBe(404);
      expect((await assertRegistration('edge-device-2', 'disabled-gateway')).status).toBe(403);
      expect((await assertRegistration('bad id!', 'edge-gateway')).status).toBe(400);
      const { rows } = await suite.app.db.query('SELECT id FROM devices WHERE tenant_id = $1 ORDER BY id', [suite.tenantId]);
      expect(rows.map((row) => row.id)).toEqual(['disabled-gateway', 'edge-gateway', 'plain-gateway']);
    });
  });
});
