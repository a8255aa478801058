/**
 * Fuzzing all three surfaces (Hono /v1, OVMS-style /api, OCPI /ocpi) with fast-check: random methods,
 * paths built from the real route table plus garbage, ids, query strings, headers, auth values and
 * bodies (malformed JSON, wrong types, huge strings, deep nesting, invalid UTF-8, SQL and path-traversal
 * text). Requests go over a raw node:http socket so paths are sent exactly as generated (no URL
 * normalisation). No input yields a 5xx or crashes the process; and a rejected write (4xx)
 * leaves the database as it was (a fingerprint of every table is compared before and after).
 */
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { AttemptThrottle } from '../../libs/auth/src/throttle/attempt-throttle';
import { http, Http } from '../setup/http';
import { ADMIN, basic, startTestApp, TestApp } from '../setup/test-app';

const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 100_000);
const RUNS = Number(process.env.FUZZ_RUNS ?? 6000);
const REQUEST_TIMEOUT_MS = 10_000;
/** The service's default MAX_BODY_BYTES. */
const MAX_BODY_BYTES = 16_000;
const OPERATOR = { username: 'fuzz-operator', password: 'fuzz-operator-password' };

let t: TestApp;
let api: Http;
let host: string;
let port: number;
let token: string;
let cookie: string;
let fingerprintSql: string;

interface Answer {
  status: number;
  body: string;
}

/** Sends exactly this method, path, headers and body; resolves with the status, or rejects on a timeout. */
function send(method: string, path: string, headers: Record<string, string>, body: Buffer | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // a fresh connection each time: a socket the server closed (e.g. after a 413) is never reused
    const req = httpRequest({ agent: false, host, port, method, path, headers: body === undefined ? headers : { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 500) }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Forgets the login failures the fuzzer caused (they block this client's address for a while). */
async function resetThrottle(): Promise<void> {
  await t.db.query('DELETE FROM auth_throttle');
  (t.app.get(AttemptThrottle) as unknown as { blocked: Map<string, number> }).blocked.clear();
}

/** Every table's rows (without last-use bookkeeping), hashed: equal before and after a rejected write. */
async function fingerprint(): Promise<string> {
  const { rows } = await t.db.query(fingerprintSql);
  return rows.map((r: { name: string; n: string; hash: string }) => `${r.name}:${r.n}:${r.hash}`).join(' ');
}

beforeAll(async () => {
  t = await startTestApp({ BCRYPT_MAX_COST: '4' });
  api = http(t.baseUrl, t.admin);
  const url = new URL(t.baseUrl);
  host = url.hostname;
  port = Number(url.port);
  const ok = (status: number) => expect([200, 201, 204]).toContain(status);
  ok((await api.post('/v1/tenants/fz', { ext: { fuzz: true } })).status);
  ok((await api.post('/v1/tenants/fz2', {})).status);
  ok((await api.post('/v1/devices/fz/d1', { ext: { brand: 'acme' }, via: ['gw'] })).status);
  ok((await api.post('/v1/devices/fz/gw', {})).status);
  ok((await api.put('/v1/credentials/fz/d1', [{ type: 'hashed-password', 'auth-id': 'sensor', secrets: [{ 'pwd-plain': 'sensor-password' }] }])).status);
  ok((await api.post('/api/users', { ...OPERATOR, tenants: [{ tenant: 'fz', access: 'write' }] })).status);
  const operator = http(t.baseUrl, basic(OPERATOR.username, OPERATOR.password));
  const created = await operator.post('/api/token', { permit: 'auth,session,registry.write' });
  ok(created.status);
  token = created.body.token;
  cookie = (await operator.get('/api/cookie')).headers.get('set-cookie')!.split(';')[0];
  const { rows } = await t.db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('migrations', 'auth_throttle', 'operator_known_addresses') ORDER BY 1`,
  );
  const volatile = `ARRAY['last_used', 'refreshed']`;
  fingerprintSql = rows
    .map(
      ({ table_name: name }: { table_name: string }) =>
        `SELECT '${name}' AS name, count(*)::text AS n, md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS hash
           FROM (SELECT (to_jsonb(r) - ${volatile})::text AS x FROM "${name}" r) s`,
    )
    .join(' UNION ALL ');
}, 60_000);

afterAll(() => t?.close());

// ---- arbitraries ----------------------------------------------------------------------------------

/** Header-safe text (node:http refuses control characters in header values). */
const printable = (maxLength: number) => fc.string({ unit: 'binary-ascii', maxLength }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

const nasty = [
  "' OR '1'='1",
  "'; DROP TABLE devices; --",
  '1; SELECT pg_sleep(10)',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '..',
  '.',
  '%00',
  'a%00b',
  '%FF%FE',
  '%C3%28',
  '%E2%82',
  '%',
  '%zz',
  '\\..\\..\\windows',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  '-1',
  '1e309',
  'NaN',
  'ä',
  '%E2%80%AE',
];

/** An id as it goes into a path: known ids, random text (encoded), or raw nasty text. */
const pathId = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('fz', 'fz2', 'd1', 'gw', 'sensor', OPERATOR.username, 'nobody', 'DEFAULT_TENANT') },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent) },
  { weight: 2, arbitrary: fc.constantFrom(...nasty) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.uuid() },
);

const routePath = fc.oneof(
  fc.constantFrom('/v1/tenants', '/v1/tenants/', '/api/cookie', '/api/token', '/api/me', '/api/users', '/api/peers', '/api/peers/register'),
  fc.constantFrom('/ocpi/versions', '/ocpi/2.2.1', '/ocpi/2.2.1/credentials', '/ocpi/2.1.1/credentials', '/health', '/metrics', '/', '/v1', '/api', '/ocpi'),
  pathId.map((a) => `/v1/tenants/${a}`),
  pathId.map((a) => `/v1/devices/${a}`),
  fc.tuple(pathId, pathId).map(([a, b]) => `/v1/devices/${a}/${b}`),
  fc.tuple(pathId, pathId).map(([a, b]) => `/v1/credentials/${a}/${b}`),
  pathId.map((a) => `/v1/credentials/${a}`),
  pathId.map((a) => `/v1/authenticate/${a}`),
  pathId.map((a) => `/api/token/${a}`),
  // NUL in a username: a known finding (see the end), left out here
  pathId.map((a) => `/api/users/${a.replace(/%00/g, '%01')}`),
  pathId.map((a) => `/api/peers/${a}`),
  pathId.map((a) => `/api/peers/${a}/update`),
  pathId.map((a) => `/ocpi/${a}`),
  pathId.map((a) => `/ocpi/${a}/credentials`),
  fc.tuple(pathId, pathId, pathId).map(([a, b, c]) => `/v1/devices/${a}/${b}/${c}`),
);

const garbagePath = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => `/${encodeURIComponent(s)}`),
  fc.array(pathId, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
  fc.constantFrom('//v1//tenants', '/v1/../api/me', '/v1/./tenants', '/%2e%2e/%2e%2e/etc/passwd', '/v1/tenants%2Ffz', '/v1/devices/fz/d1/', '/ocpi/versions/../../v1/tenants', '/*', '/?', '/v1/tenants?'),
);

const json = (value: unknown) => encodeURIComponent(JSON.stringify(value) ?? '');
const queryPart = fc.oneof(
  fc.anything({ maxDepth: 3 }).map((v) => `filterJson=${json(v)}`),
  fc.record({ field: fc.oneof(fc.constantFrom('/id', '/ext/brand', '/enabled', '/status/created', '', '/', '//', '/ext/~2'), fc.string()), value: fc.anything({ maxDepth: 2 }), op: fc.anything({ maxDepth: 1 }) }).map((v) => `filterJson=${json(v)}`),
  fc.record({ field: fc.oneof(fc.constantFrom('/id', '/ext/brand', '/status/created'), fc.string()), direction: fc.oneof(fc.constantFrom('asc', 'desc'), fc.string()) }).map((v) => `sortJson=${json(v)}`),
  fc.string({ maxLength: 30 }).map((s) => `filterJson=${encodeURIComponent(s)}`),
  fc.string({ maxLength: 30 }).map((s) => `sortJson=${encodeURIComponent(s)}`),
  fc.tuple(fc.constantFrom('pageSize', 'pageOffset', 'isGateway', 'limit', 'offset'), fc.oneof(fc.integer().map(String), fc.string({ maxLength: 20 }), fc.constant('1e400'), fc.constant('-0'))).map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
  fc.constant(`username=${OPERATOR.username}&password=${OPERATOR.password}`),
  fc.constant(`username=${OPERATOR.username}&username=admin&password=a&password=b`),
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([u, p]) => `username=${encodeURIComponent(u)}&password=${encodeURIComponent(p)}`),
  fc.constantFrom('username[]=a&password[]=b', 'username[a]=1', 'password=', 'username=', '%', '&&&', '=', 'a=%ZZ', 'filterJson', 'sortJson=&sortJson=', '__proto__[x]=1', 'pageSize=99999999999999999999'),
);
const query = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: fc.array(queryPart, { minLength: 1, maxLength: 3 }).map((parts) => `?${parts.join('&')}`) });

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant(basic(ADMIN.username, ADMIN.password).authorization) },
  { weight: 2, arbitrary: fc.constant(basic(OPERATOR.username, OPERATOR.password).authorization) },
  { weight: 2, arbitrary: fc.constant('token') }, // replaced by the operator's API token
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 })).map(([u, p]) => `Basic ${b64(`${u}:${p}`)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `Basic ${b64(s)}`) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('Basic', 'Bearer', 'Token', 'basic', 'BEARER', 'Digest', ''), printable(60)).map(([scheme, value]) => `${scheme} ${value}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('Basic', 'Bearer', 'Token', 'Basic =', 'Basic !!!', 'Basic Og==', `Basic ${b64('admin')}`, 'Bearer ' + 'a'.repeat(5000), `Token ${b64('x')}`, 'Basic ' + b64('a:b:c'), '   ') },
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/merge-patch+json',
      'application/xml',
      'application/octet-stream',
      'application/json, text/plain',
      ';',
      '*/*',
      'multipart/form-data; boundary=xyz',
      'multipart/form-data',
    ),
  },
  { weight: 1, arbitrary: printable(40).filter((s) => !/multipart/i.test(s)) },
);
const cookieHeader = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant('session') }, // replaced by the real session cookie
  { weight: 1, arbitrary: printable(60).map((s) => `ovmsapisession=${s}`) },
  { weight: 1, arbitrary: fc.constantFrom('ovmsapisession=', 'ovmsapisession', '=;=;', 'ovmsapisession=a; ovmsapisession=b', 'a=b; ovmsapisession=%ZZ') },
);
const ifMatch = fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('*', '"x"', 'W/"x"', '"', '', '*, "a"', '"a", "b"') }, { weight: 1, arbitrary: printable(30) });
const extraHeaders = fc.dictionary(
  fc.constantFrom('accept', 'accept-encoding', 'x-request-id', 'x-correlation-id', 'origin', 'ocpi-from-party-id', 'ocpi-to-country-code', 'x-forwarded-for', 'content-encoding', 'range', 'if-none-match'),
  printable(40),
  { maxKeys: 2 },
);

const anyValue = fc.anything({ maxDepth: 3, withNullPrototype: false });
const credential = fc.record(
  {
    type: fc.oneof(fc.constantFrom('hashed-password', 'psk', 'x509-cert', 'rpk'), fc.string(), anyValue),
    'auth-id': fc.oneof(fc.constantFrom('sensor', 'x', 'CN=x,O=y'), fc.string(), anyValue),
    secrets: fc.oneof(
      fc.array(fc.record({ 'pwd-plain': fc.oneof(fc.string(), anyValue), 'pwd-hash': fc.string(), 'hash-function': fc.constantFrom('sha-256', 'sha-512', 'bcrypt', 'md5'), salt: fc.string(), key: fc.string(), 'not-before': fc.string(), 'not-after': fc.string(), enabled: anyValue }, { requiredKeys: [] }), { maxLength: 3 }),
      anyValue,
    ),
    enabled: anyValue,
    ext: anyValue,
  },
  { requiredKeys: [] },
);
const shapedBody = fc.oneof(
  fc.record({ enabled: anyValue, ext: anyValue, via: fc.oneof(fc.array(fc.string()), anyValue), viaGroups: anyValue, memberOf: anyValue, defaults: anyValue, status: anyValue, authorities: anyValue }, { requiredKeys: [] }),
  fc.array(credential, { maxLength: 3 }),
  fc.record({ username: fc.oneof(fc.string(), anyValue), password: fc.oneof(fc.string(), anyValue), tenants: fc.oneof(fc.array(fc.record({ tenant: fc.string(), access: fc.string() })), anyValue), admin: anyValue, enabled: anyValue }, { requiredKeys: [] }),
  fc.record({ permit: fc.oneof(fc.constantFrom('auth', 'auth,session', 'registry.write', 'admin'), fc.string(), anyValue), application: anyValue, purpose: anyValue }, { requiredKeys: [] }),
  fc.record({ type: fc.oneof(fc.constantFrom('hashed-password', 'x509-cert'), fc.string()), 'auth-id': fc.oneof(fc.string(), anyValue), password: fc.oneof(fc.string(), anyValue), 'client-certificate': anyValue }, { requiredKeys: [] }),
  fc.record({ token: fc.oneof(fc.string(), anyValue), url: fc.oneof(fc.constantFrom('http://127.0.0.1:1/versions', 'not a url', 'file:///etc/passwd'), anyValue), roles: anyValue, name: anyValue }, { requiredKeys: [] }),
  fc.record({ trusted_ca: anyValue, 'trusted-ca': anyValue, alias: anyValue, 'minimum-message-size': anyValue, ext: anyValue, enabled: anyValue, adapters: anyValue, 'resource-limits': anyValue }, { requiredKeys: [] }),
);
const depth = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
const rawBody: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: shapedBody.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))) },
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }).map((s) => Buffer.from(s)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{',
      '}',
      '{"a":}',
      "{'a':1}",
      '{"ext":{"a":1},}',
      '[1,2',
      'null',
      'true',
      '0',
      '""',
      '[]',
      '{}',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"ext":1e999999}',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      '\u0000',
      'a=b&c=d',
      '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--\r\n',
      `[{"type":"hashed-password","auth-id":"' OR 1=1 --","secrets":[{"pwd-plain":"../../etc/passwd"}]}]`,
      '{"ext":{"n":1e309}}',
      '{"ext":{"n":-1e400}}',
      '{"ext":{"n":1e-400}}',
      '[{"type":"psk","auth-id":"a","secrets":[{"key":"AAAA"}],"type":"x"}]',
      '{"enabled":true,"enabled":false}',
      '{"username":"dup","password":"dup-password","admin":false,"admin":true}',
    ).map((s) => Buffer.from(s)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from([0xc3, 0x28]), Buffer.from('{"ext":{"x":"\xed\xa0\x80"}}', 'latin1'), Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])) },
  { weight: 1, arbitrary: fc.constantFrom(10, 1000, 5000, 100_000).chain((n) => fc.constantFrom(depth(n, '[', ']'), depth(n, '{"a":', '}').replace(/}$/, '1}'), `{"ext":${depth(n, '[', ']')}}`).map((s) => Buffer.from(s))) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 70_000, 300_000, 2_000_000).map((n) => Buffer.from(JSON.stringify({ ext: { s: 'x'.repeat(n) }, username: 'y'.repeat(Math.min(n, 100_000)) }))) },
);
const method = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE') },
  { weight: 1, arbitrary: fc.constantFrom('PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'get') },
);

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

const requestCase: fc.Arbitrary<Case> = fc
  .record({
    method,
    path: fc.oneof({ weight: 5, arbitrary: routePath }, { weight: 1, arbitrary: garbagePath }),
    query,
    authorization,
    contentType,
    cookie: cookieHeader,
    ifMatch,
    extra: extraHeaders,
    body: rawBody,
  })
  .map((c) => {
    const headers: Record<string, string> = { ...c.extra };
    if (c.authorization === 'token') headers.authorization = `Bearer ${token}`;
    else if (c.authorization !== undefined) headers.authorization = c.authorization;
    if (c.contentType !== undefined && c.body !== undefined) headers['content-type'] = c.contentType;
    if (c.cookie === 'session') headers.cookie = cookie;
    else if (c.cookie !== undefined) headers.cookie = c.cookie;
    if (c.ifMatch !== undefined) headers['if-match'] = c.ifMatch;
    // node:http refuses to send some bytes in a path; everything it can send is sent as is
    const path = (c.path + c.query).replace(/[^\u0021-\u00ff]/g, (ch) => encodeURIComponent(ch));
    // bodies only where a request may have one (a body on HEAD/GET would be read as the next request)
    return { method: c.method, path, headers, body: ['POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND'].includes(c.method) ? c.body : undefined };
  });

// ---- the property ----------------------------------------------------------------------------------

const statuses: Record<number, number> = {};
const READS = new Set(['GET', 'HEAD', 'OPTIONS', 'get']);
let cases = 0;
let headWithBody = 0;

it('no input yields a 5xx, the process stays up, and rejected writes write nothing', async () => {
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(requestCase, async (c) => {
      const before = READS.has(c.method) ? undefined : await fingerprint();
      let answer: Answer;
      try {
        answer = await send(c.method, c.path, c.headers, c.body);
      } catch (error) {
        // a header value node:http itself refuses to send is not a case
        const code = (error as { code?: string }).code;
        if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') return;
        // a body over MAX_BODY_BYTES is answered 413 and the connection closed while the client still sends
        // known finding: some error answers to HEAD (malformed paths) carry a body, which the client then
        // reads as a broken next response; counted and reported, not a 5xx
        if (c.method === 'HEAD' && code?.startsWith('HPE_')) {
          headWithBody++;
          return;
        }
        if ((code === 'ECONNRESET' || code === 'EPIPE') && (c.body?.length ?? 0) > MAX_BODY_BYTES) return;
        throw error;
      }
      cases++;
      // the login throttle blocks this client address after a few failures; let it block once, then
      // forget it, so the cases after it reach authentication and validation again
      if (answer.status === 429) await resetThrottle();
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 500) throw new Error(`${answer.status} for ${c.method} ${c.path}: ${answer.body}`);
      if (before !== undefined && answer.status >= 400) {
        const after = await fingerprint();
        if (after !== before) throw new Error(`rejected ${c.method} ${c.path} (${answer.status}) changed the database:\n${before}\n${after}`);
      }
    }),
    { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
  );
  process.stdout.write(`fuzz: ${cases} requests in ${((Date.now() - started) / 1000).toFixed(0)} s, statuses ${JSON.stringify(statuses)}, HEAD answers with a body ${headWithBody}\n`);
  // the process is up and serving
  await resetThrottle();
  expect((await api.get('/health')).status).toBe(200);
  expect((await api.get('/v1/tenants')).status).toBe(200); // (the fuzzer may have deleted the seeded ones)
  // a good share reached validation and the handlers: successes, validation errors and auth failures
  expect(cases).toBeGreaterThanOrEqual(2000);
  expect((statuses[200] ?? 0) + (statuses[201] ?? 0) + (statuses[204] ?? 0)).toBeGreaterThan(50);
  expect(statuses[400] ?? 0).toBeGreaterThan(100);
  expect(statuses[401] ?? 0).toBeGreaterThan(50);
}, 300_000);

/** What this fuzzer found (500s for a NUL byte in a username and for bodies that claim to be multipart), pinned down. */
describe('earlier 5xx findings, now 400s', () => {
  beforeEach(() => resetThrottle());

  it.each(['GET', 'PUT', 'DELETE'])('a NUL byte in a username in the path does not answer 5xx (%s /api/users/a%%00b)', async (m) => {
    const before = await fingerprint();
    const answer = await send(m, '/api/users/a%00b', { ...basic(ADMIN.username, ADMIN.password), 'content-type': 'application/json' }, m === 'PUT' ? Buffer.from('{"password":"abcdefgh12"}') : undefined);
    expect(answer.status).toBeLessThan(500);
    expect(await fingerprint()).toBe(before);
  });

  it.each([
    ['multipart/form-data; boundary=xyz', 'PUT', '/v1/tenants/fz'],
    ['multipart/form-data', 'POST', '/v1/devices/fz/mp'],
    ['multipart/form-data; boundary=xyz', 'DELETE', '/api/token/x'],
  ])('a %s body that is not multipart does not answer 5xx (%s %s)', async (type, m, path) => {
    const before = await fingerprint();
    const answer = await send(m, path, { ...basic(ADMIN.username, ADMIN.password), 'content-type': type }, Buffer.from('{"ext":{}}'));
    expect(answer.status).toBeLessThan(500);
    expect(await fingerprint()).toBe(before);
  });
});

// ---- the input rules of docs/http.md: every JSON-only write refuses these, and nothing changes ----------

/** A number literal a double cannot hold: beyond its range, or so small it would become 0. */
const lossyNumber = fc.oneof(
  fc.tuple(fc.constantFrom('', '-'), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 309, max: 99_999 })).map(([sign, m, e]) => `${sign}${m}e${e}`),
  fc.tuple(fc.constantFrom('', '-'), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 400, max: 99_999 })).map(([sign, m, e]) => `${sign}${m}.5e-${e}`),
  fc.integer({ min: 310, max: 2000 }).map((n) => '9'.repeat(n)),
);
const key = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }).map((k) => JSON.stringify(k));
const member = fc.tuple(key, fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => `${k}:${JSON.stringify(v)}`);
const members = fc.array(member, { maxLength: 3 }).map((list) => list.map((m) => `,${m}`).join(''));

interface BadInput {
  rule: string;
  body: Buffer;
  contentType: string;
}

/** A body whose `ext` holds one violation of the input rules, placed among ordinary members. */
const badInput: fc.Arbitrary<BadInput> = fc.oneof(
  fc.tuple(lossyNumber, members).map(([n, rest]) => ({ rule: 'number', body: Buffer.from(`{"ext":{"n":${n}${rest}}}`), contentType: 'application/json' })),
  fc.tuple(key, members, fc.jsonValue({ maxDepth: 1 })).map(([k, rest, v]) => ({ rule: 'duplicate', body: Buffer.from(`{"ext":{${k}:1${rest},${k}:${JSON.stringify(v)}}}`), contentType: 'application/json' })),
  fc.tuple(fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]), members).map(([bytes, rest]) => ({
    rule: 'utf8',
    body: Buffer.concat([Buffer.from('{"ext":{"s":"a'), Buffer.from(bytes), Buffer.from(`b"${rest}}}`)]),
    contentType: 'application/json; charset=utf-8',
  })),
  fc.tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/xml', 'text/html'), fc.oneof(fc.constant(''), fc.constant('{}'), fc.constant('enabled=true'))).map(([contentType, body]) => ({ rule: 'type', body: Buffer.from(body), contentType })),
);

const RULE_MESSAGES: Record<string, RegExp> = { number: /out of range|too small/, duplicate: /duplicate key/, utf8: /UTF-8/, type: /content type/ };

const jsonOnlyWrite = fc.constantFrom(
  { method: 'POST', path: '/v1/devices/fz/rule-probe', status: 400 },
  { method: 'PUT', path: '/v1/devices/fz/d1', status: 400 },
  { method: 'PUT', path: '/v1/tenants/fz', status: 400 },
  { method: 'POST', path: '/v1/tenants/rule-probe', status: 400 },
  { method: 'POST', path: '/api/users', status: 415 },
  { method: 'PUT', path: `/api/users/${OPERATOR.username}`, status: 415 },
  { method: 'POST', path: '/api/peers', status: 415 },
);

it('non-finite numbers, duplicate keys, invalid UTF-8 and non-JSON types are refused by every JSON-only write', async () => {
  resetThrottle();
  const admin = basic(ADMIN.username, ADMIN.password);
  await fc.assert(
    fc.asyncProperty(jsonOnlyWrite, badInput, async (route, input) => {
      const before = await fingerprint();
      const answer = await send(route.method, route.path, { ...admin, 'content-type': input.contentType }, input.body);
      // a wrong body type is the route's own status (415 under /api); the JSON rules are a 400 everywhere
      const status = input.rule === 'type' ? route.status : 400;
      if (answer.status !== status || !RULE_MESSAGES[input.rule].test(answer.body)) {
        throw new Error(`${route.method} ${route.path} with ${input.rule} (${input.contentType}, ${JSON.stringify(input.body.toString('latin1'))}): ${answer.status} ${answer.body}`);
      }
      expect(await fingerprint()).toBe(before);
    }),
    { numRuns: Math.min(RUNS, 400) },
  );
}, 120_000);
