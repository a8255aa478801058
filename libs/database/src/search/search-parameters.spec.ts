import { MAX_JSON_DEPTH, RegistryError } from '@app/common';
import { filterConditions, orderBy, parsePointer, parseSearchParameters, SearchableTable, SqlParams, wildcardToLike } from './search-query';

/** The 400 a bad search parameter answers, with its message. */
function refusal(run: () => unknown): { status: number; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return { status: (error as RegistryError).getStatus(), message: (error as RegistryError).message };
  }
  throw new Error('accepted');
}
const refused = (query: Record<string, unknown>, allowed?: string[]) => refusal(() => parseSearchParameters(query, allowed));

describe('parseSearchParameters', () => {
  it('no parameters: page 0 of 30, no filters, no sorts', () => {
    expect(parseSearchParameters({})).toEqual({ pageSize: 30, pageOffset: 0, filters: [], sorts: [] });
  });

  it('reads pages, filters (one or many) and sorts with their pointers decoded', () => {
    expect(
      parseSearchParameters({
        pageSize: '200',
        pageOffset: '3',
        filterJson: ['{"field":"/ext/brand","value":"acme"}', '{"field":"/a~1b/c~0d","op":"eq","value":7}'],
        sortJson: '{"field":"/status/created","direction":"desc"}',
      }),
    ).toEqual({
      pageSize: 200,
      pageOffset: 3,
      filters: [
        { pointer: ['ext', 'brand'], value: 'acme' },
        { pointer: ['a/b', 'c~d'], value: 7 },
      ],
      sorts: [{ pointer: ['status', 'created'], direction: 'desc' }],
    });
    expect(parseSearchParameters({ sortJson: '{"field":"/id"}' }).sorts).toEqual([{ pointer: ['id'], direction: 'asc' }]);
    expect(parseSearchParameters({ filterJson: '{"field":"/enabled","value":null}' }).filters).toEqual([{ pointer: ['enabled'], value: null }]);
  });

  it('other parameters only when the route allows them', () => {
    expect(refused({ tenant: 'x' })).toEqual({ status: 400, message: 'unknown search parameter "tenant"' });
    expect(parseSearchParameters({ tenant: 'x' }, ['tenant']).pageSize).toBe(30);
  });

  it.each([
    [{ pageSize: '0' }, 'pageSize must be an integer between 1 and 200'],
    [{ pageSize: '201' }, 'pageSize must be an integer between 1 and 200'],
    [{ pageSize: '-1' }, 'pageSize must be an integer between 1 and 200'],
    [{ pageSize: '1e2' }, 'pageSize must be an integer between 1 and 200'],
    [{ pageSize: ['10', '20'] }, 'pageSize must be given at most once'],
    [{ pageSize: { a: '1' } }, 'pageSize is malformed'],
    [{ pageOffset: '100000001' }, 'pageOffset must be an integer between 0 and 100000000'],
    [{ pageOffset: '1234567890' }, 'pageOffset must be an integer between 0 and 100000000'],
    [{ filterJson: [{}] }, 'search parameters must be strings'],
    [{ filterJson: 'nope' }, 'filterJson is not valid JSON'],
    [{ filterJson: '[1]' }, 'filterJson must be a JSON object'],
    [{ filterJson: 'null' }, 'filterJson must be a JSON object'],
    [{ filterJson: '{"field":"/a","value":1,"x":2}' }, 'filterJson: unknown property "x"'],
    [{ filterJson: '{"field":"/a","op":"lt","value":1}' }, 'filterJson: op must be "eq"'],
    [{ filterJson: '{"field":"/a"}' }, 'filterJson: value is required'],
    [{ filterJson: '{"field":"/a","value":"a\\u0000b"}' }, 'filterJson: value must not contain NUL characters or unpaired surrogates'],
    [{ filterJson: '{"field":"a","value":1}' }, 'filterJson: field must be a JSON pointer such as "/ext/brand"'],
    [{ filterJson: '{"field":"","value":1}' }, 'filterJson: field must be a JSON pointer such as "/ext/brand"'],
    [{ filterJson: '{"value":1}' }, 'filterJson: field must be a JSON pointer such as "/ext/brand"'],
    [{ filterJson: '{"field":"/a//b","value":1}' }, 'filterJson: field "/a//b" is not a valid JSON pointer'],
    [{ filterJson: '{"field":"/a~2","value":1}' }, 'filterJson: field "/a~2" is not a valid JSON pointer'],
    [{ filterJson: '{"field":"/a~","value":1}' }, 'filterJson: field "/a~" is not a valid JSON pointer'],
    [{ filterJson: Array.from({ length: 21 }, () => '{"field":"/a","value":1}') }, 'at most 20 filters are allowed'],
    [{ sortJson: '{"field":"/a","direction":"up"}' }, 'sortJson: direction must be "asc" or "desc"'],
    [{ sortJson: '{"field":"/a","order":"asc"}' }, 'sortJson: unknown property "order"'],
    [{ sortJson: '{"direction":"asc"}' }, 'sortJson: field must be a JSON pointer such as "/ext/brand"'],
    [{ sortJson: Array.from({ length: 21 }, () => '{"field":"/a"}') }, 'at most 20 sort fields are allowed'],
  ])('%j → 400 %s', (query, message) => {
    expect(refused(query)).toEqual({ status: 400, message });
  });

  it('a filter nested deeper than the JSON limit is refused before it reaches SQL', () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH)}1${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(refused({ filterJson: `{"field":"/a","value":${deep}}` })).toEqual({ status: 400, message: `filterJson is nested deeper than ${MAX_JSON_DEPTH} levels` });
  });
});

describe('parsePointer', () => {
  it('decodes ~1 before ~0 (RFC 6901)', () => {
    expect(parsePointer('/~01', 'p')).toEqual(['~1']);
    expect(parsePointer('/a~1b', 'p')).toEqual(['a/b']);
    expect(parsePointer('/0/x', 'p')).toEqual(['0', 'x']);
  });
  it('names the parameter it came from', () => {
    expect(refusal(() => parsePointer('/', 'sortJson')).message).toBe('sortJson: field must be a JSON pointer such as "/ext/brand"');
    expect(refusal(() => parsePointer('/\ud800', 'filterJson')).message).toBe('filterJson: field must not contain NUL characters or unpaired surrogates');
  });
});

describe('wildcardToLike', () => {
  it('* → %, ? → _, and LIKE characters literal', () => {
    expect(wildcardToLike('acme-*')).toBe('acme-%');
    expect(wildcardToLike('a?c')).toBe('a_c');
    expect(wildcardToLike('50%_off\\*')).toBe('50\\%\\_off\\\\%');
  });
});

describe('SQL building', () => {
  const devices: SearchableTable = {
    table: 'devices',
    scopeColumn: 'tenant_id',
    columns: { '/id': { column: 'id', type: 'text' }, '/status/created': { column: 'created', type: 'timestamp' } },
    stringLeavesIndexed: true,
  };
  const build = (filters: { pointer: string[]; value: unknown }[], table = devices) => {
    const params = new SqlParams();
    return { sql: filterConditions(table, filters, params), values: params.values };
  };

  it('a value in body: containment for the index, then the exact typed comparison', () => {
    expect(build([{ pointer: ['ext', 'brand'], value: 'acme' }])).toEqual({
      sql: [`t.body @> $3::jsonb AND t.body #> $1::text[] = $2::jsonb`],
      values: [['ext', 'brand'], '"acme"', '{"ext":{"brand":"acme"}}'],
    });
  });

  it('a numeric segment may be an array index: no containment', () => {
    expect(build([{ pointer: ['via', '0'], value: 'gw' }])).toEqual({ sql: [`t.body #> $1::text[] = $2::jsonb`], values: [['via', '0'], '"gw"'] });
  });

  it('a wildcard in body: the string-leaves narrowing when the table has the index, then the exact LIKE', () => {
    expect(build([{ pointer: ['ext', 'brand'], value: 'acme-*' }])).toEqual({
      sql: [`registry_string_leaves(t.body) LIKE $3 AND jsonb_typeof(t.body #> $1::text[]) = 'string' AND t.body #>> $1::text[] LIKE $2`],
      values: [['ext', 'brand'], 'acme-%', '%"acme-%"%'],
    });
    expect(build([{ pointer: ['ext', 'brand'], value: 'acme-*' }], { ...devices, stringLeavesIndexed: false }).sql).toEqual([
      `jsonb_typeof(t.body #> $1::text[]) = 'string' AND t.body #>> $1::text[] LIKE $2`,
    ]);
    // nothing a trigram index could search with: the exact test alone
    expect(build([{ pointer: ['ext', 'brand'], value: '*' }]).sql).toEqual([`jsonb_typeof(t.body #> $1::text[]) = 'string' AND t.body #>> $1::text[] LIKE $2`]);
  });

  it('column pointers compare the column; a non-string value never matches one', () => {
    expect(build([{ pointer: ['id'], value: 'dev-1' }])).toEqual({ sql: ['t.id = $1'], values: ['dev-1'] });
    expect(build([{ pointer: ['id'], value: 'dev-*' }])).toEqual({ sql: ['t.id LIKE $1'], values: ['dev-%'] });
    expect(build([{ pointer: ['id'], value: 7 }])).toEqual({ sql: ['false'], values: [] });
  });

  it('timestamp columns: an instant in any ISO form, a wildcard over the UTC text, anything else matches nothing', () => {
    expect(build([{ pointer: ['status', 'created'], value: '2026-01-02T03:04:05+01:00' }])).toEqual({
      sql: ['t.created = $1::timestamptz'],
      values: ['2026-01-02T02:04:05.000Z'],
    });
    expect(build([{ pointer: ['status', 'created'], value: '2026-01-*' }])).toEqual({
      sql: [`to_char(t.created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') LIKE $1`],
      values: ['2026-01-%'],
    });
    expect(build([{ pointer: ['status', 'created'], value: 'yesterday' }])).toEqual({ sql: ['false'], values: [] });
  });

  it('parameters number on from the ones the statement already has, under the given alias', () => {
    const params = new SqlParams();
    params.add('tenant-1');
    expect(filterConditions(devices, [{ pointer: ['id'], value: 'd' }], params, 'd')).toEqual(['d.id = $2']);
    expect(params.values).toEqual(['tenant-1', 'd']);
  });

  it('orderBy: columns, then body fields with NULLS LAST, and the id last unless sorted by it', () => {
    const params = new SqlParams();
    expect(
      orderBy(
        devices,
        [
          { pointer: ['status', 'created'], direction: 'desc' },
          { pointer: ['ext', 'brand'], direction: 'asc' },
        ],
        params,
      ),
    ).toBe('t.created DESC, t.body #> $1::text[] ASC NULLS LAST, t.id ASC');
    expect(params.values).toEqual([['ext', 'brand']]);
    expect(orderBy(devices, [{ pointer: ['id'], direction: 'desc' }], new SqlParams())).toBe('t.id DESC');
    expect(orderBy(devices, [], new SqlParams(), 'x')).toBe('x.id ASC');
    expect(orderBy(devices, [{ pointer: ['ext', 'n'], direction: 'desc' }], new SqlParams())).toBe('t.body #> $1::text[] DESC NULLS LAST, t.id ASC');
  });
});
