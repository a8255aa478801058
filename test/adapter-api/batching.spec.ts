/**
 * Requests that arrive together share one statement (per tenant and API): each still gets its own
 * answer — found, unknown, disabled (device or credential), through an authorised or a foreign gateway, another type — also
 * when the same device is asked for twice in one batch and when two tenants' requests interleave.
 */
import { randomUUID } from 'node:crypto';
import { http, Http } from '../setup/http';
import { ADMIN } from '../setup/test-app';
import { AmqpTestApp, startAmqpTestApp } from './amqp-test-app';
import { answer, HonoAmqpClient } from './hono-amqp-client';

let app: AmqpTestApp;
let api: Http;
let client: HonoAmqpClient;
const tenants = [`batch-${randomUUID()}`, `batch-${randomUUID()}`];

beforeAll(async () => {
  app = await startAmqpTestApp();
  api = http(app.baseUrl, app.admin);
  client = await app.connect(ADMIN.username, ADMIN.password);
  for (const tenant of tenants) {
    expect((await api.post(`/v1/tenants/${tenant}`, {})).status).toBe(201);
    expect((await api.post(`/v1/devices/${tenant}/gw`, {})).status).toBe(201);
    expect((await api.post(`/v1/devices/${tenant}/other-gw`, {})).status).toBe(201);
    expect((await api.post(`/v1/devices/${tenant}/group-gw`, { memberOf: ['group'] })).status).toBe(201);
    for (let i = 0; i < 10; i++) {
      const device = i === 3 ? { enabled: false, via: ['gw'] } : i === 4 ? { viaGroups: ['group'] } : { via: ['gw'], defaults: { n: i } };
      expect((await api.post(`/v1/devices/${tenant}/d-${i}`, device)).status).toBe(201);
      const secrets = [{ 'pwd-plain': `password-${i}` }];
      const credential = i === 5 ? { type: 'hashed-password', 'auth-id': `a-${i}`, enabled: false, secrets } : { type: 'hashed-password', 'auth-id': `a-${i}`, secrets };
      expect((await api.put(`/v1/credentials/${tenant}/d-${i}`, [credential, { type: 'psk', 'auth-id': `a-${i}`, secrets: [{ key: Buffer.from(`key-${i}`).toString('base64') }] }])).status).toBe(204);
    }
  }
});
afterAll(() => app.close());

describe('registration assert, many at once', () => {
  it('answers every request of a batch as it would alone', async () => {
    const links = await Promise.all(tenants.map((tenant) => client.requestLink('registration', tenant)));
    const cases = [
      { device_id: 'd-0', expect: 200 },
      { device_id: 'd-1', gateway_id: 'gw', expect: 200 },
      { device_id: 'd-2', gateway_id: 'other-gw', expect: 403 },
      { device_id: 'd-3', expect: 404 },
      { device_id: 'd-4', gateway_id: 'group-gw', expect: 200, via: ['group-gw'] },
      { device_id: 'd-4', gateway_id: 'gw', expect: 403 },
      { device_id: 'unknown', expect: 404 },
      { device_id: 'd-6', gateway_id: 'no-such-gw', expect: 403 },
      { device_id: 'd-0', gateway_id: 'gw', expect: 200 },
      { device_id: 'd-9', expect: 200 },
    ];
    const sent = links.flatMap((link, t) =>
      cases.map(async ({ expect: _status, via: _via, ...properties }) => {
        const response = await answer(link, { subject: 'assert', properties });
        return { tenant: tenants[t], properties, status: response.status, deviceId: response.body?.['device-id'], via: response.body?.via, tenantId: response.properties.tenant_id };
      }),
    );
    const answers = await Promise.all(sent);
    answers.forEach((got, i) => {
      const wanted = cases[i % cases.length];
      expect({ ...got, via: wanted.via && got.via }).toEqual({
        tenant: got.tenant,
        properties: got.properties,
        status: wanted.expect,
        deviceId: wanted.expect === 200 ? wanted.device_id : undefined,
        via: wanted.via,
        tenantId: got.tenant,
      });
    });
    expect(answers.find((got) => got.properties.device_id === 'd-1')!.via).toEqual(['gw']);
  });
});

describe('credentials get, many at once', () => {
  it('answers every request of a batch with its own credential, or 404', async () => {
    const links = await Promise.all(tenants.map((tenant) => client.requestLink('credentials', tenant)));
    const cases = [
      { type: 'hashed-password', 'auth-id': 'a-0', expect: 200 },
      { type: 'psk', 'auth-id': 'a-0', expect: 200 },
      { type: 'hashed-password', 'auth-id': 'a-1', expect: 200 },
      { type: 'hashed-password', 'auth-id': 'a-3', expect: 404 },
      { type: 'hashed-password', 'auth-id': 'a-5', expect: 404 },
      { type: 'psk', 'auth-id': 'a-5', expect: 200 },
      { type: 'hashed-password', 'auth-id': 'nobody', expect: 404 },
      { type: 'hashed-password', 'auth-id': 'a-1', expect: 200 },
      { type: 'x509-cert', 'auth-id': 'CN=a-1', expect: 404 },
    ];
    const answers = await Promise.all(
      links.flatMap((link) => cases.map(({ expect: _status, ...criteria }) => answer(link, { subject: 'get', body: criteria }))),
    );
    answers.forEach((response, i) => {
      const wanted = cases[i % cases.length];
      const deviceId = `d-${wanted['auth-id'].slice(2)}`;
      expect(response.status).toBe(wanted.expect);
      if (wanted.expect === 200) expect(response.body).toMatchObject({ 'device-id': deviceId, type: wanted.type, 'auth-id': wanted['auth-id'] });
      expect(response.properties.tenant_id).toBe(tenants[Math.floor(i / cases.length)]);
    });
  });
});
