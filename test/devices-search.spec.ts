import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

const q = (params: Record<string, string | string[]>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) search.append(key, v);
  return `?${search.toString()}`;
};
const filter = (field: string, value: unknown) => JSON.stringify({ field, op: 'eq', value });
const sort = (field: string, direction?: string) => JSON.stringify(direction ? { field, direction } : { field });

describe('device search', () => {
  let t: TestApp;
  let api: Http;
  const tenant = 'search';
  const ids = (res: { body: { result: Array<{ id: string }> } }) => res.body.result.map((d) => d.id);

  beforeAll(async () => {
    t = await startTestApp();
    api = http(t.baseUrl, t.admin);
    expect((await api.post(`/v1/tenants/${tenant}`, {})).status).toBe(201);
    const devices: Array<[string, object]> = [
      ['d.01', { ext: { brand: 'acme', n: 15, model: 'a.b' } }],
      ['d_02', { ext: { brand: 'acme', n: '15', model: 'axb' } }],
      ['d=03', { ext: { brand: 'acme-pro', n: 3, model: 'a_b' } }],
      ['d04', { ext: { brand: 'other', n: 4, model: 'a%b' }, enabled: false }],
      ['gw-1', { ext: { brand: 'gateways' } }],
      ['gw-2', { memberOf: ['group'], ext: { brand: 'gateways' } }],
      ['child', { via: ['gw-1'], ext: { brand: 'acme' } }],
    ];
    for (const [id, body] of devices) expect((await api.post(`/v1/devices/${tenant}/${encodeURIComponent(id)}`, body)).status).toBe(201);
    for (let i = 0; i < 40; i++) {
      expect((await api.post(`/v1/devices/${tenant}/bulk-${String(i).padStart(2, '0')}`, { ext: { bulk: true, i } })).status).toBe(201);
    }
  });
  afterAll(() => t.close());

  it('defaults: 30 per page, sorted by id, total of all devices, items with id and status', async () => {
    const res = await api.get(`/v1/devices/${tenant}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.body.total).toBe(47);
    expect(res.body.result).toHaveLength(30);
    const all = ids(res);
    expect(all).toEqual([...all].sort());
    expect(res.body.result[0]).toEqual({ id: all[0], ext: expect.any(Object), status: { created: expect.stringMatching(/Z$/) } });
  });

  it('pageOffset is a page index; past the end is 200 with an empty result', async () => {
    const first = await api.get(`/v1/devices/${tenant}${q({ pageSize: '10', filterJson: filter('/ext/bulk', true) })}`);
    const second = await api.get(`/v1/devices/${tenant}${q({ pageSize: '10', pageOffset: '1', filterJson: filter('/ext/bulk', true) })}`);
    expect(ids(first)).toEqual(Array.from({ length: 10 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`));
    expect(ids(second)).toEqual(Array.from({ length: 10 }, (_, i) => `bulk-${String(i + 10).padStart(2, '0')}`));
    expect(second.body.total).toBe(40);
    const past = await api.get(`/v1/devices/${tenant}${q({ pageSize: '10', pageOffset: '4', filterJson: filter('/ext/bulk', true) })}`);
    expect(past.status).toBe(200);
    expect(past.body).toEqual({ total: 40, result: [] });
  });

  it('equality is typed: 15 does not match "15"', async () => {
    const number = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/n', 15) })}`);
    expect(ids(number)).toEqual(['d.01']);
    const text = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/n', '15') })}`);
    expect(ids(text)).toEqual(['d_02']);
  });

  it('* matches any run, ? one character, everything else is literal', async () => {
    const star = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/brand', 'acme*') })}`);
    expect(ids(star).sort()).toEqual(['child', 'd=03', 'd.01', 'd_02'].sort());
    const question = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/model', 'a?b') })}`);
    expect(ids(question).sort()).toEqual(['d=03', 'd.01', 'd04', 'd_02'].sort());
    const dot = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/model', 'a.*') })}`);
    expect(ids(dot)).toEqual(['d.01']);
    const underscore = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/model', 'a_*') })}`);
    expect(ids(underscore)).toEqual(['d=03']);
    const percent = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/model', 'a%*') })}`);
    expect(ids(percent)).toEqual(['d04']);
    const noWildcard = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/model', 'a_b') })}`);
    expect(ids(noWildcard)).toEqual(['d=03']);
  });

  it('filters on /id and combine with AND', async () => {
    const byId = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/id', 'd?0*') })}`);
    expect(ids(byId)).toEqual(['d.01', 'd=03', 'd_02']);
    const both = await api.get(`/v1/devices/${tenant}${q({ filterJson: [filter('/ext/brand', 'acme*'), filter('/id', 'd*')] })}`);
    expect(ids(both).sort()).toEqual(['d=03', 'd.01', 'd_02'].sort());
    const enabled = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/enabled', false) })}`);
    expect(ids(enabled)).toEqual(['d04']);
  });

  it('filters on /status/created', async () => {
    const any = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/status/created', '20*'), pageSize: '1' })}`);
    expect(any.body.total).toBe(47);
    const created = any.body.result[0].status.created;
    const exact = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/status/created', created), pageSize: '1' })}`);
    expect(exact.status).toBe(200);
  });

  it('sorts by a JSON pointer, ascending or descending', async () => {
    const asc = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/bulk', true), sortJson: sort('/ext/i'), pageSize: '3' })}`);
    expect(ids(asc)).toEqual(['bulk-00', 'bulk-01', 'bulk-02']);
    const desc = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/bulk', true), sortJson: sort('/ext/i', 'desc'), pageSize: '3' })}`);
    expect(ids(desc)).toEqual(['bulk-39', 'bulk-38', 'bulk-37']);
    const byIdDesc = await api.get(`/v1/devices/${tenant}${q({ sortJson: sort('/id', 'desc'), pageSize: '2' })}`);
    expect(ids(byIdDesc)).toEqual(['gw-2', 'gw-1']);
  });

  it('isGateway: devices named in via or having memberOf, and the others', async () => {
    const gateways = await api.get(`/v1/devices/${tenant}${q({ isGateway: 'true' })}`);
    expect(ids(gateways)).toEqual(['gw-1', 'gw-2']);
    const others = await api.get(`/v1/devices/${tenant}${q({ isGateway: 'false', pageSize: '200' })}`);
    expect(others.body.total).toBe(45);
    expect(ids(others)).not.toContain('gw-1');
    const combined = await api.get(`/v1/devices/${tenant}${q({ isGateway: 'true', filterJson: filter('/memberOf', ['group']) })}`);
    expect(ids(combined)).toEqual(['gw-2']);
  });

  it('zero matches and an unknown tenant are 404', async () => {
    const none = await api.get(`/v1/devices/${tenant}${q({ filterJson: filter('/ext/brand', 'nobody') })}`);
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ error: expect.any(String) });
    expect((await api.get('/v1/devices/unknown-tenant')).status).toBe(404);
  });

  it.each([
    ['pageSize 0', { pageSize: '0' }],
    ['pageSize 201', { pageSize: '201' }],
    ['pageSize not a number', { pageSize: 'ten' }],
    ['negative pageOffset', { pageOffset: '-1' }],
    ['filterJson not JSON', { filterJson: '{field' }],
    ['filterJson an array', { filterJson: '[]' }],
    ['filterJson without value', { filterJson: '{"field":"/id"}' }],
    ['filterJson field not a pointer', { filterJson: '{"field":"ext.brand","value":"x"}' }],
    ['filterJson unknown op', { filterJson: '{"field":"/id","op":"gt","value":"x"}' }],
    ['filterJson unknown property', { filterJson: '{"field":"/id","value":"x","extra":1}' }],
    ['sortJson bad direction', { sortJson: '{"field":"/id","direction":"up"}' }],
    ['sortJson without field', { sortJson: '{"direction":"asc"}' }],
    ['isGateway not a boolean', { isGateway: 'yes' }],
    ['an unknown parameter', { color: 'red' }],
  ])('%s is a 400', async (_name, params) => {
    const res = await api.get(`/v1/devices/${tenant}${q(params)}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.any(String) });
  });
});
