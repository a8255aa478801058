/**
 * Wildcard filters on body fields over a tenant large enough for the planner to prefer an index: the
 * trigram index over the devices' string leaves narrows, the value at the pointer decides, totals are exact.
 */
import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

const DEVICES = 20_000;
const q = (filters: Array<[string, unknown]>) =>
  `?${new URLSearchParams([...filters.map(([field, value]): [string, string] => ['filterJson', JSON.stringify({ field, op: 'eq', value })]), ['pageSize', '200']])}`;

describe('wildcard filters on body fields', () => {
  let t: TestApp;
  let api: Http;
  const tenant = 'big';
  const search = (filters: Array<[string, unknown]>) => api.get(`/v1/devices/${tenant}${q(filters)}`);
  const ids = (res: { body: { result: Array<{ id: string }> } }) => res.body.result.map((d) => d.id).sort();

  /** How often the trigram index was scanned. */
  async function indexScans(): Promise<number> {
    const { rows } = await t.db.query(`SELECT idx_scan::int AS n FROM pg_stat_user_indexes WHERE indexrelname = 'devices_strings_idx'`);
    return rows[0]?.n ?? -1;
  }
  /** A backend publishes its statistics when idle, at most once a second, else within 10 s: wait for them. */
  async function indexScansReach(target: number): Promise<number> {
    for (let i = 0; i < 150 && (await indexScans()) < target; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return indexScans();
  }

  beforeAll(async () => {
    t = await startTestApp();
    api = http(t.baseUrl, t.admin);
    expect((await api.post(`/v1/tenants/${tenant}`, {})).status).toBe(201);
    expect((await api.post('/v1/tenants/other', {})).status).toBe(201);
    // the bulk arranged in SQL (HTTP would take minutes), the counter with it
    await t.db.query(
      `INSERT INTO devices (tenant_id, id, body, version)
       SELECT $1, 'd-' || lpad(i::text, 5, '0'),
              jsonb_build_object('ext', jsonb_build_object(
                'brand', CASE i % 500 WHEN 1 THEN to_jsonb('acme-' || i) WHEN 2 THEN '"gizmo-99"' WHEN 3 THEN to_jsonb('pyramid-' || i)
                                      WHEN 6 THEN '["acme-in-an-array"]' ELSE to_jsonb('brand-' || (i % 100) || 'x') END,
                -- the same strings at another pointer must not match a filter on /ext/brand
                'owner', CASE i % 500 WHEN 4 THEN 'acme-corp' WHEN 5 THEN 'x-99' ELSE 'nobody' END,
                'serial', i)),
              md5(i::text)
         FROM generate_series(1, $2::int) AS i`,
      [tenant, DEVICES],
    );
    await t.db.query(`UPDATE tenants SET device_count = $2 WHERE id = $1`, [tenant, DEVICES]);
    const special: Array<[string, string]> = [
      ['q-1', 'say "hi" \\ now'],
      ['q-2', 'line\nbreak-7'],
      ['q-3', '50%_off'],
      ['q-4', 'ünï-çødé 😀'],
      ['q-5', '50x off'],
    ];
    for (const [id, brand] of special) expect((await api.post(`/v1/devices/${tenant}/${id}`, { ext: { brand } })).status).toBe(201);
    // a device of another tenant with a matching brand
    expect((await api.post('/v1/devices/other/acme-elsewhere', { ext: { brand: 'acme-1' } })).status).toBe(201);
    // what the import leaves after a bulk load (and autovacuum after a busy spell)
    await t.db.query('VACUUM (ANALYZE) devices');
  }, 60_000);
  afterAll(() => t.close());

  it('prefix, suffix, infix and ? patterns: exact matches and totals, through the index', async () => {
    const before = await indexScans();
    expect(before).toBeGreaterThanOrEqual(0);
    // pyramid-<i> for i ≡ 3 (mod 500) whose second digit is 0
    const pyramids = Array.from({ length: 40 }, (_, k) => String(3 + 500 * k)).filter((i) => i[1] === '0').length;
    const cases: Array<[string, number]> = [['acme-*', 40], ['*-99', 40], ['*mid*', 40], ['pyramid-?0*', pyramids]];
    for (const [pattern, expected] of cases) {
      const res = await search([['/ext/brand', pattern]]);
      expect([pattern, res.status, res.body.total, res.body.result.length]).toEqual([pattern, 200, expected, expected]);
    }
    // the total and the page of each search: two index scans each, none a scan of the table
    expect(await indexScansReach(before + 2 * cases.length)).toBe(before + 2 * cases.length);
  });

  it('matches strings at the pointer only: not other fields, arrays, numbers or other tenants', async () => {
    const acme = await search([['/ext/brand', 'acme-*']]);
    expect(acme.body.result.every((d: { ext: { brand: unknown } }) => typeof d.ext.brand === 'string' && d.ext.brand.startsWith('acme-'))).toBe(true);
    expect(ids(await search([['/ext/owner', 'acme-*']]))).toHaveLength(40);
    expect((await search([['/ext/brand', '*-in-an-*']])).status).toBe(404);
    expect((await search([['/ext/serial', '1*']])).status).toBe(404);
    expect(ids(await api.get(`/v1/devices/other${q([['/ext/brand', 'acme-*']])}`))).toEqual(['acme-elsewhere']);
  });

  it('keeps every character literal, including those JSON escapes and those LIKE treats specially', async () => {
    expect(ids(await search([['/ext/brand', 'say "hi" \\*']]))).toEqual(['q-1']);
    expect(ids(await search([['/ext/brand', '*"hi"*']]))).toEqual(['q-1']);
    expect(ids(await search([['/ext/brand', 'line?break*']]))).toEqual(['q-2']);
    expect(ids(await search([['/ext/brand', '*\nbreak-7']]))).toEqual(['q-2']);
    expect(ids(await search([['/ext/brand', '50%_*']]))).toEqual(['q-3']);
    expect(ids(await search([['/ext/brand', '50??off']]))).toEqual(['q-3', 'q-5']);
    expect(ids(await search([['/ext/brand', 'ünï-*😀']]))).toEqual(['q-4']);
    expect(ids(await search([['/ext/brand', '*ø?é *']]))).toEqual(['q-4']);
    expect((await search([['/ext/brand', '50_*']])).status).toBe(404);
  });

  it('combines with other filters and pages with an exact total', async () => {
    const both = await search([['/ext/brand', 'acme-*'], ['/ext/serial', 1001]]);
    expect(ids(both)).toEqual(['d-01001']);
    const page = await api.get(`/v1/devices/${tenant}?${new URLSearchParams({ filterJson: JSON.stringify({ field: '/ext/brand', value: '*-99' }), pageSize: '15', pageOffset: '2' })}`);
    expect(page.body.total).toBe(40);
    expect(page.body.result).toHaveLength(10);
  });

  it('a pattern without letters or digits still answers exactly (a scan)', async () => {
    const res = await search([['/ext/owner', '?-??']]);
    expect(res.body.total).toBe(40);
  });
});
