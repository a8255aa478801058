/**
 * The keyset-paged reads the Hono export goes through: page after page gives every row once, in the
 * primary key's (C collation) order, whatever the page size and wherever a page boundary falls.
 */
import { CredentialsRepository } from '@app/credentials';
import { DevicesRepository } from '@app/devices';
import { TenantsRepository } from '@app/tenants';
import { pwdPlain } from './credentials-helpers';
import { http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

/** Every row of `page`, `size` rows at a time. */
async function readAll<R>(page: (after: R | null, limit: number) => Promise<R[]>, size: number): Promise<R[]> {
  const all: R[] = [];
  for (let after: R | null = null; ; ) {
    const rows = await page(after, size);
    all.push(...rows);
    if (rows.length < size) return all;
    after = rows[rows.length - 1];
  }
}

describe('keyset-paged reads of tenants, devices and credentials', () => {
  let t: TestApp;
  // upper case sorts before lower case in the C collation of the keys
  const tenants = ['B', 'a', 'b'];
  const devices = ['D2', 'd1', 'd10', 'd2'];

  beforeAll(async () => {
    t = await startTestApp();
    const api = http(t.baseUrl, t.admin);
    for (const tenant of tenants) {
      expect((await api.post(`/v1/tenants/${tenant}`, { ext: { name: tenant } })).status).toBe(201);
      for (const device of devices) {
        expect((await api.post(`/v1/devices/${tenant}/${device}`, {})).status).toBe(201);
        const set = [pwdPlain(`${device}-x`, 'pw-one'), pwdPlain(`${device}-a`, 'pw-two')];
        expect((await api.put(`/v1/credentials/${tenant}/${device}`, set)).status).toBe(204);
      }
    }
  });
  afterAll(() => t.close());

  it.each([1, 2, 3, 5, 1000])('pages of %i give every row once, in key order', async (size) => {
    const tenantRepository = t.app.get(TenantsRepository);
    const deviceRepository = t.app.get(DevicesRepository);
    const credentialRepository = t.app.get(CredentialsRepository);

    const tenantPage = await readAll((after: { id: string; body: Record<string, unknown> } | null, limit) => tenantRepository.page(after?.id ?? null, limit), size);
    expect(tenantPage.map((tenant) => tenant.id)).toEqual(['B', 'a', 'b']);
    expect(tenantPage[0].body).toMatchObject({ ext: { name: 'B' } });

    const devicePage = await readAll(deviceRepository.page.bind(deviceRepository), size);
    const deviceOrder = ['D2', 'd1', 'd10', 'd2'];
    expect(devicePage.map((device) => `${device.tenantId}/${device.id}`)).toEqual(tenants.flatMap((tenant) => deviceOrder.map((device) => `${tenant}/${device}`)));
    expect(devicePage[0].created).toBeInstanceOf(Date);

    const credentialPage = await readAll(credentialRepository.page.bind(credentialRepository), size);
    // within a device, the set's order as sent (position), not the auth-ids' order
    expect(credentialPage.map((credential) => `${credential.tenantId}/${credential.deviceId}/${credential.body['auth-id']}`)).toEqual(
      tenants.flatMap((tenant) => deviceOrder.flatMap((device) => [`${tenant}/${device}/${device}-x`, `${tenant}/${device}/${device}-a`])),
    );
    expect(Object.keys(credentialPage[0].confidential)).toHaveLength(1);
  });
});
