/** Hono's tests of deleted tenants and devices (DeviceRegistrationApiTests, CredentialsApiTests), over real AMQP. */
import { randomUUID } from 'node:crypto';
import { withTemporaryTenant } from './amqp-test-app';
import { answer } from './hono-amqp-client';

const passwordCredential = (authId: string) => [{ type: 'hashed-password', 'auth-id': authId, secrets: [{ 'pwd-plain': 'hono-secret' }] }];

describe('DeviceRegistrationApiTests', () => {
  const suite = withTemporaryTenant('registration');

  it('testAssertRegistrationFailsForDeletedTenant: 404', async () => {
    const deviceId = `device-${randomUUID()}`;
    expect((await suite.api.post(`/v1/devices/${suite.tenantId}/${deviceId}`, {})).status).toBe(201);
    expect((await answer(suite.link, { subject: 'assert', properties: { device_id: deviceId } })).status).toBe(200);
    expect((await suite.api.delete(`/v1/tenants/${suite.tenantId}`)).status).toBe(204);
    expect((await answer(suite.link, { subject: 'assert', properties: { device_id: deviceId } })).status).toBe(404);
  });
});

describe('CredentialsApiTests', () => {
  const suite = withTemporaryTenant('credentials');
  const get = (authId: string) => answer(suite.link, { subject: 'get', body: { type: 'hashed-password', 'auth-id': authId } });

  async function deviceWithPassword(): Promise<string> {
    const deviceId = `device-${randomUUID()}`;
    expect((await suite.api.post(`/v1/devices/${suite.tenantId}/${deviceId}`, {})).status).toBe(201);
    expect((await suite.api.put(`/v1/credentials/${suite.tenantId}/${deviceId}`, passwordCredential(deviceId))).status).toBe(204);
    expect((await get(deviceId)).status).toBe(200);
    return deviceId;
  }

  it('testGetCredentialsFailsForDeletedTenant: 404', async () => {
    const deviceId = await deviceWithPassword();
    expect((await suite.api.delete(`/v1/tenants/${suite.tenantId}`)).status).toBe(204);
    expect((await get(deviceId)).status).toBe(404);
  });

  it('testGetCredentialsFailsForDeletedDevice: 404', async () => {
    const deviceId = await deviceWithPassword();
    expect((await suite.api.delete(`/v1/devices/${suite.tenantId}/${deviceId}`)).status).toBe(204);
    expect((await get(deviceId)).status).toBe(404);
  });
});
