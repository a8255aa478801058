/**
 * Many clients writing the same device, the same credentials set and the same tenant at once. With
 * If-Match on one version exactly one writer wins (204), the others get 412; without If-Match every
 * write succeeds and the stored state is the one whose 204 carried the stored ETag. Either way the
 * stored version is the ETag of a 204, and every 204 has a distinct ETag.
 */
import { http, Http } from '../setup/http';
import { startTestApp, TestApp } from '../setup/test-app';

const CLIENTS = 16;
const ROUNDS = 4;
const TENANT = 'race-tenant';
const DEVICE = 'race-device';

let t: TestApp;
let api: Http;

beforeAll(async () => {
  t = await startTestApp({ BCRYPT_MAX_COST: '4' });
  api = http(t.baseUrl, t.admin);
  expect((await api.post(`/v1/tenants/${TENANT}`, { ext: { n: -1 } })).status).toBe(201);
  expect((await api.post(`/v1/devices/${TENANT}/${DEVICE}`, { ext: { n: -1 } })).status).toBe(201);
}, 60_000);

afterAll(() => t?.close());

interface Target {
  name: string;
  path: string;
  body(n: number): unknown;
  /** Which write (its n) the stored body is. */
  stored(body: any): number;
}

const targets: Target[] = [
  { name: 'device', path: `/v1/devices/${TENANT}/${DEVICE}`, body: (n) => ({ ext: { n } }), stored: (body) => body.ext.n },
  { name: 'tenant', path: `/v1/tenants/${TENANT}`, body: (n) => ({ ext: { n } }), stored: (body) => body.ext.n },
  {
    name: 'credentials',
    path: `/v1/credentials/${TENANT}/${DEVICE}`,
    // pwd-plain: each write hashes (bcrypt), so the writes really overlap
    body: (n) => [{ type: 'hashed-password', 'auth-id': `race-${n}`, secrets: [{ 'pwd-plain': `password-${n}` }] }],
    stored: (body) => Number(body[0]['auth-id'].slice('race-'.length)),
  },
];

async function current(path: string): Promise<{ etag: string; body: any }> {
  const response = await api.get(path);
  expect(response.status).toBe(200);
  return { etag: response.headers.get('etag')!, body: response.body };
}

describe.each(targets)('$name', (target) => {
  it(`with If-Match: exactly one of ${CLIENTS} writers wins each version`, async () => {
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const before = await current(target.path);
      const writes = Array.from({ length: CLIENTS }, () => n++);
      const responses = await Promise.all(writes.map((k) => api.put(target.path, target.body(k), { headers: { 'if-match': before.etag } })));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([204, ...Array(CLIENTS - 1).fill(412)]);
      const winner = responses.findIndex((r) => r.status === 204);
      const after = await current(target.path);
      expect(after.etag).toBe(responses[winner].headers.get('etag'));
      expect(after.etag).not.toBe(before.etag);
      expect(target.stored(after.body)).toBe(writes[winner]);
    }
  });

  it(`without If-Match: all ${CLIENTS} writers succeed, the stored state is the one with the stored ETag`, async () => {
    const writes = Array.from({ length: CLIENTS }, (_, i) => 1000 + i);
    const responses = await Promise.all(writes.map((k) => api.put(target.path, target.body(k))));
    expect(responses.map((r) => r.status)).toEqual(Array(CLIENTS).fill(204));
    const etags = responses.map((r) => r.headers.get('etag'));
    expect(new Set(etags).size).toBe(CLIENTS);
    const after = await current(target.path);
    const last = etags.indexOf(after.etag);
    expect(last).toBeGreaterThanOrEqual(0);
    expect(target.stored(after.body)).toBe(writes[last]);
  });

  it('mixed: writers with If-Match on the same version and writers without', async () => {
    const before = await current(target.path);
    const conditional = Array.from({ length: CLIENTS / 2 }, (_, i) => 2000 + i);
    const unconditional = Array.from({ length: CLIENTS / 2 }, (_, i) => 3000 + i);
    const responses = await Promise.all([
      ...conditional.map((k) => api.put(target.path, target.body(k), { headers: { 'if-match': before.etag } })),
      ...unconditional.map((k) => api.put(target.path, target.body(k))),
    ]);
    const all = [...conditional, ...unconditional];
    // unconditional writes always win; at most one conditional write can (if it came before all of them)
    expect(responses.slice(CLIENTS / 2).map((r) => r.status)).toEqual(Array(CLIENTS / 2).fill(204));
    const conditionalWins = responses.slice(0, CLIENTS / 2).filter((r) => r.status === 204).length;
    expect(conditionalWins).toBeLessThanOrEqual(1);
    expect(responses.slice(0, CLIENTS / 2).every((r) => r.status === 204 || r.status === 412)).toBe(true);
    const etags = responses.map((r) => (r.status === 204 ? r.headers.get('etag') : null));
    const after = await current(target.path);
    const last = etags.indexOf(after.etag);
    expect(last).toBeGreaterThanOrEqual(0);
    expect(target.stored(after.body)).toBe(all[last]);
    expect(new Set(etags.filter(Boolean)).size).toBe(CLIENTS / 2 + conditionalWins);
  });
});
