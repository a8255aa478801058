import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { expectError, JSON_UTF8 } from './tenants-helpers';

/** GET /v1/tenants: Hono's search (docs/storage.md) over a fixed set of tenants in this suite's own database. */
describe('tenant search', () => {
  let t: TestApp;
  let api: Http;

  const TENANTS: Record<string, object> = {
    't-01': { ext: { region: 'eu-west', rank: 3, code: 'a.b1', n: 15 } },
    't-02': { ext: { region: 'eu-east', rank: 1, code: 'axb1', n: '15' } },
    't-03': { ext: { region: 'us-east', rank: 2, code: 'a_b1' }, enabled: false },
    't-04': { ext: { region: 'eu-west', rank: 5, code: 'a%b1' }, enabled: true, alias: 'fourth' },
    't-05': { ext: { region: 'ap-south', code: 'a\\b1' } },
    'other.x': { 'trust-anchor-group': 'grp', adapters: [{ type: 'hono-mqtt' }] },
  };
  const ALL = Object.keys(TENANTS).sort();

  beforeAll(async () => {
    t = await startTestApp();
    api = http(t.baseUrl, t.admin);
    for (const [id, body] of Object.entries(TENANTS)) {
      expect((await api.post(`/v1/tenants/${id}`, body)).status).toBe(201);
    }
  });
  afterAll(() => t.close());

  function search(params: Record<string, string | string[]> = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) query.append(name, v);
    const text = query.toString();
    return api.get(`/v1/tenants${text ? `?${text}` : ''}`);
  }
  const filter = (field: string, value: unknown) => JSON.stringify({ field, op: 'eq', value });
  const sort = (field: string, direction?: 'asc' | 'desc') => JSON.stringify(direction ? { field, direction } : { field });
  const ids = (res: { body: { result: Array<{ id: string }> } }) => res.body.result.map((tenant) => tenant.id);

  it('lists every tenant by id with its stored body: {"total", "result": [{"id", …}]}', async () => {
    const res = await search();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(JSON_UTF8);
    expect(res.body.total).toBe(ALL.length);
    expect(ids(res)).toEqual(ALL);
    expect(res.body.result.find((tenant: { id: string }) => tenant.id === 't-04')).toEqual({ id: 't-04', ...TENANTS['t-04'] });
  });

  it('a tenant with an empty body is listed as {"id"} alone', async () => {
    expect((await api.post('/v1/tenants/zz-empty')).status).toBe(201);
    const res = await search({ filterJson: filter('/id', 'zz-empty') });
    expect(res.body).toEqual({ total: 1, result: [{ id: 'zz-empty' }] });
    expect((await api.delete('/v1/tenants/zz-empty')).status).toBe(204);
  });

  describe('paging', () => {
    it('pageSize limits the page; total stays the number of matches', async () => {
      const res = await search({ pageSize: '2' });
      expect(res.body.total).toBe(ALL.length);
      expect(ids(res)).toEqual(ALL.slice(0, 2));
    });

    it('pageOffset is a page index', async () => {
      expect(ids(await search({ pageSize: '2', pageOffset: '1' }))).toEqual(ALL.slice(2, 4));
      expect(ids(await search({ pageSize: '4', pageOffset: '1' }))).toEqual(ALL.slice(4, 8));
      expect(ids(await search({ pageSize: '1', pageOffset: '5' }))).toEqual([ALL[5]]);
    });

    it('a page past the end of a non-empty result is 200 with result []', async () => {
      const res = await search({ pageSize: '2', pageOffset: '3' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ total: ALL.length, result: [] });
    });

    it('accepts the limits of pageSize (1 and 200)', async () => {
      expect(ids(await search({ pageSize: '1' }))).toEqual([ALL[0]]);
      expect(ids(await search({ pageSize: '200' }))).toEqual(ALL);
    });
  });

  describe('filters', () => {
    it('match a string exactly without wildcards', async () => {
      expect(ids(await search({ filterJson: filter('/ext/region', 'eu-west') }))).toEqual(['t-01', 't-04']);
    });

    it('* matches any run of characters and ? exactly one', async () => {
      expect(ids(await search({ filterJson: filter('/ext/region', 'eu-*') }))).toEqual(['t-01', 't-02', 't-04']);
      expect(ids(await search({ filterJson: filter('/ext/region', '*-east') }))).toEqual(['t-02', 't-03']);
      expect(ids(await search({ filterJson: filter('/ext/region', '??-east') }))).toEqual(['t-02', 't-03']);
      expectError(await search({ filterJson: filter('/ext/region', '?-east') }), 404);
    });

    it('treat . _ % and \\ as literal characters', async () => {
      expect(ids(await search({ filterJson: filter('/ext/code', 'a*b1') }))).toEqual(['t-01', 't-02', 't-03', 't-04', 't-05']);
      expect(ids(await search({ filterJson: filter('/ext/code', 'a.b*') }))).toEqual(['t-01']);
      expect(ids(await search({ filterJson: filter('/ext/code', 'a_b?') }))).toEqual(['t-03']);
      expect(ids(await search({ filterJson: filter('/ext/code', 'a%b*') }))).toEqual(['t-04']);
      expect(ids(await search({ filterJson: filter('/ext/code', 'a\\b?') }))).toEqual(['t-05']);
      expect(ids(await search({ filterJson: filter('/ext/code', 'a.b1') }))).toEqual(['t-01']);
      expectError(await search({ filterJson: filter('/ext/code', 'a%') }), 404);
      expectError(await search({ filterJson: filter('/ext/code', 'a_b_') }), 404);
    });

    it('compare typed values: 15 does not match "15"', async () => {
      expect(ids(await search({ filterJson: filter('/ext/n', 15) }))).toEqual(['t-01']);
      expect(ids(await search({ filterJson: filter('/ext/n', '15') }))).toEqual(['t-02']);
      expect(ids(await search({ filterJson: filter('/enabled', false) }))).toEqual(['t-03']);
      expect(ids(await search({ filterJson: filter('/enabled', true) }))).toEqual(['t-04']);
      expectError(await search({ filterJson: filter('/enabled', 'true') }), 404);
    });

    it('filter by /id, with wildcards too', async () => {
      expect(ids(await search({ filterJson: filter('/id', 't-03') }))).toEqual(['t-03']);
      expect(ids(await search({ filterJson: filter('/id', 't-0?') }))).toEqual(ALL.filter((id) => id.startsWith('t-0')));
      expect(ids(await search({ filterJson: filter('/id', 'other.*') }))).toEqual(['other.x']);
      expectError(await search({ filterJson: filter('/id', 'other?x*z') }), 404);
    });

    it('reach into arrays of the stored body and top-level strings', async () => {
      expect(ids(await search({ filterJson: filter('/alias', 'fourth') }))).toEqual(['t-04']);
      expect(ids(await search({ filterJson: filter('/trust-anchor-group', 'g*') }))).toEqual(['other.x']);
      expect(ids(await search({ filterJson: filter('/adapters/0/type', 'hono-mqtt') }))).toEqual(['other.x']);
    });

    it('are ANDed, and combine with paging and sorting', async () => {
      const both = await search({ filterJson: [filter('/ext/region', 'eu-*'), filter('/ext/rank', 3)] });
      expect(ids(both)).toEqual(['t-01']);
      const paged = await search({ filterJson: filter('/ext/region', 'eu-*'), sortJson: sort('/ext/rank', 'desc'), pageSize: '1', pageOffset: '1' });
      expect(paged.body.total).toBe(3);
      expect(ids(paged)).toEqual(['t-01']);
    });

    it('zero matches is 404 with a Hono error', async () => {
      expectError(await search({ filterJson: filter('/ext/region', 'mars') }), 404);
      expectError(await search({ filterJson: filter('/ext/missing', 'x*') }), 404);
    });
  });

  describe('sorting', () => {
    it('default is id ascending; /id desc reverses', async () => {
      expect(ids(await search({ sortJson: sort('/id') }))).toEqual(ALL);
      expect(ids(await search({ sortJson: sort('/id', 'desc') }))).toEqual([...ALL].reverse());
    });

    it('by a body field asc and desc, tenants without it last, ties by id', async () => {
      expect(ids(await search({ sortJson: sort('/ext/rank', 'asc') }))).toEqual(['t-02', 't-03', 't-01', 't-04', 'other.x', 't-05']);
      expect(ids(await search({ sortJson: sort('/ext/rank', 'desc') }))).toEqual(['t-04', 't-01', 't-03', 't-02', 'other.x', 't-05']);
    });

    it('by several fields', async () => {
      const res = await search({ sortJson: [sort('/ext/region', 'desc'), sort('/id', 'desc')], filterJson: filter('/ext/region', '*') });
      expect(ids(res)).toEqual(['t-03', 't-04', 't-01', 't-02', 't-05']);
    });
  });

  it('a tenant body may nest JSON 1000 levels deep, not deeper (this suite has the default body limit)', async () => {
    const nested = (levels: number) => `{"ext":{"a":${'['.repeat(levels)}${']'.repeat(levels)}}}`;
    expectError(await api.post('/v1/tenants/too-deep', nested(999)), 400, /nested/);
    expect((await api.post('/v1/tenants/zz-deep', nested(998))).status).toBe(201);
    expect((await api.delete('/v1/tenants/zz-deep')).status).toBe(204);
  });

  describe('bad parameters are 400', () => {
    const cases: Array<[string, Record<string, string | string[]>]> = [
      ['pageSize 0', { pageSize: '0' }],
      ['pageSize 201', { pageSize: '201' }],
      ['pageSize not a number', { pageSize: 'ten' }],
      ['pageSize negative', { pageSize: '-1' }],
      ['pageSize twice', { pageSize: ['1', '2'] }],
      ['pageOffset negative', { pageOffset: '-1' }],
      ['pageOffset a fraction', { pageOffset: '1.5' }],
      ['filterJson not JSON', { filterJson: '{field' }],
      ['filterJson an array', { filterJson: '[]' }],
      ['filterJson without field', { filterJson: JSON.stringify({ value: 1 }) }],
      ['filterJson without value', { filterJson: JSON.stringify({ field: '/id' }) }],
      ['filterJson field not a pointer', { filterJson: JSON.stringify({ field: 'ext/region', value: 'x' }) }],
      ['filterJson field ""', { filterJson: JSON.stringify({ field: '', value: 'x' }) }],
      ['filterJson op other than eq', { filterJson: JSON.stringify({ field: '/id', op: 'like', value: 'x' }) }],
      ['filterJson unknown property', { filterJson: JSON.stringify({ field: '/id', value: 'x', mode: 'i' }) }],
      ['filterJson value with NUL', { filterJson: JSON.stringify({ field: '/id', value: 'a\u0000' }) }],
      ['filterJson field with NUL', { filterJson: JSON.stringify({ field: '/ext/a\u0000', value: 'a' }) }],
      ['sortJson direction up', { sortJson: JSON.stringify({ field: '/id', direction: 'up' }) }],
      ['sortJson without field', { sortJson: JSON.stringify({ direction: 'asc' }) }],
      ['sortJson not JSON', { sortJson: 'id' }],
      ['an unknown parameter', { isGateway: 'true' }],
      ['filterJson nested deeper than 1000 levels', { filterJson: `{"field":"/ext","value":${'['.repeat(1000)}${']'.repeat(1000)}}` }],
    ];
    it.each(cases)('%s', async (_name, params) => {
      expectError(await search(params), 400);
    });
  });
});
