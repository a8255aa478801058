import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { base64, envelope, ISO_SECOND, OCPI_VERSIONS, OcpiPeer, openOutboundToken, peerRow, peersApi, sha256, Version } from './peering-helpers';

/** The server side of the handshake (docs/peering.md): an in-test OCPI platform registers with the service. */
describe('peering: a peer registers with us (server side)', () => {
  let t: TestApp;
  let peer: OcpiPeer;
  let admin: Http;

  beforeAll(async () => {
    t = await startTestApp(
      { OCPI_PARTY_ID: 'ABC', OCPI_COUNTRY_CODE: 'FR', OCPI_ROLE: 'EMSP', OCPI_BUSINESS_NAME: 'Registry Under Test', OCPI_HTTP_TIMEOUT_MS: '3000' },
      { captureLogs: true },
    );
    admin = peersApi(t);
  });
  beforeEach(async () => {
    peer = await OcpiPeer.start();
  });
  afterEach(() => peer.close());
  afterAll(() => t.close());

  const ocpi = (token?: string, headers: Record<string, string> = {}) => http(t.baseUrl, { ...(token === undefined ? {} : { authorization: `Token ${token}` }), ...headers });

  async function invite(name = 'partner'): Promise<{ id: string; tokenA: string }> {
    const res = await admin.post('/api/peers', { name });
    expect(res.status).toBe(201);
    return { id: res.body.id, tokenA: res.body.token_a };
  }

  /** Invitation + POST credentials; returns the tokens of the three directions. */
  async function register(version: Version) {
    const { id, tokenA } = await invite();
    const tokenB = peer.invite();
    const res = await ocpi(tokenA).post(`/ocpi/${version}/credentials`, peer.credentialsFor(version, tokenB));
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    return { id, tokenA, tokenB, tokenC: res.body.data.token as string };
  }

  async function snapshot(id: string) {
    const row = await peerRow(t, id);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM peer_callback_tokens');
    return { row, callbacks: rows[0].n };
  }

  /** The state of the handshake: the row without what records a failure for the admin. */
  async function handshakeState(id: string) {
    const { row, callbacks } = await snapshot(id);
    const { last_error: _lastError, failed_attempts: _failedAttempts, updated: _updated, ...state } = row;
    return { state, callbacks };
  }

  describe('versions and version details', () => {
    it('lists 2.0, 2.1.1 and 2.2.1 with absolute URLs under PUBLIC_URL, in the envelope', async () => {
      const { tokenA } = await invite();
      const res = await ocpi(tokenA).get('/ocpi/versions');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({
        data: OCPI_VERSIONS.map((version) => ({ version, url: `${t.baseUrl}/ocpi/${version}` })),
        status_code: 1000,
        status_message: expect.any(String),
        timestamp: expect.stringMatching(ISO_SECOND),
      });
    });

    it.each(OCPI_VERSIONS)('details of %s: the credentials endpoint (role SENDER only in 2.2.1)', async (version) => {
      const { tokenA } = await invite();
      const res = await ocpi(tokenA).get(`/ocpi/${version}`);
      expect(res.status).toBe(200);
      const endpoint = { identifier: 'credentials', url: `${t.baseUrl}/ocpi/${version}/credentials`, ...(version === '2.2.1' ? { role: 'SENDER' } : {}) };
      expect(res.body.data).toEqual({ version, endpoints: [endpoint] });
    });

    it('unknown version → 404/2000; unknown path → 404/2000; both in the envelope', async () => {
      const { tokenA } = await invite();
      for (const path of ['/ocpi/2.1', '/ocpi/3.0/credentials', '/ocpi/2.2.1/locations', '/ocpi', '/ocpi/versions/extra/path']) {
        const res = await ocpi(tokenA).get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.body).toEqual({ status_code: 2000, status_message: expect.any(String), timestamp: expect.stringMatching(ISO_SECOND) });
      }
      const put = await ocpi(tokenA).put('/ocpi/9.9/credentials', {});
      expect(put.status).toBe(404);
      expect(put.body.status_code).toBe(2000);
    });

    it('405/2000 for methods OCPI does not define on these paths', async () => {
      const { tokenA } = await invite();
      for (const [method, path] of [
        ['POST', '/ocpi/versions'],
        ['DELETE', '/ocpi/versions'],
        ['PUT', '/ocpi/2.2.1'],
        ['POST', '/ocpi/2.0'],
        ['PATCH', '/ocpi/2.1.1/credentials'],
      ]) {
        const res = await ocpi(tokenA).request(method, path);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 405 });
        expect(res.body.status_code).toBe(2000);
      }
    });
  });

  describe('authentication', () => {
    it('no Authorization header → 401/2000 on every endpoint and method', async () => {
      for (const [method, path] of [
        ['GET', '/ocpi/versions'],
        ['GET', '/ocpi/2.2.1'],
        ['GET', '/ocpi/2.0/credentials'],
        ['POST', '/ocpi/2.1.1/credentials'],
        ['PUT', '/ocpi/2.2.1/credentials'],
        ['DELETE', '/ocpi/2.2.1/credentials'],
      ]) {
        const res = await ocpi().request(method, path, method === 'POST' || method === 'PUT' ? { body: {} } : {});
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
        expect(res.body).toEqual({ status_code: 2000, status_message: expect.any(String), timestamp: expect.stringMatching(ISO_SECOND) });
      }
      expect((await ocpi(undefined, { authorization: 'Bearer something' }).get('/ocpi/versions')).status).toBe(401);
    });

    it('an unknown token → 401/2000 on GET and POST, 405/2000 on PUT and DELETE', async () => {
      const unknown = ocpi('not-a-token-we-know');
      for (const res of [await unknown.get('/ocpi/versions'), await unknown.get('/ocpi/2.2.1'), await unknown.get('/ocpi/2.2.1/credentials'), await unknown.post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', 'x'))]) {
        expect(res.status).toBe(401);
        expect(res.body.status_code).toBe(2000);
      }
      for (const res of [await unknown.put('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', 'x')), await unknown.delete('/ocpi/2.0/credentials')]) {
        expect(res.status).toBe(405);
        expect(res.body.status_code).toBe(2000);
      }
      expect(peer.requests).toEqual([]);
    });

    it('OCPI token failures are not operator login failures: no 429, operators unaffected', async () => {
      for (let i = 0; i < 40; i++) expect((await ocpi(`wrong-token-${i}`).get('/ocpi/versions')).status).toBe(401);
      expect((await admin.get('/api/peers')).status).toBe(200);
    });

    it.each(OCPI_VERSIONS)('TOKEN_A raw and Base64 both work on %s; GET credentials returns the token presented', async (version) => {
      const { tokenA } = await invite();
      for (const sent of [tokenA, base64(tokenA), base64(tokenA).replace(/=+$/, '')]) {
        expect((await ocpi(sent).get('/ocpi/versions')).status).toBe(200);
        expect((await ocpi(sent).get(`/ocpi/${version}`)).status).toBe(200);
        const res = await ocpi(sent).get(`/ocpi/${version}/credentials`);
        expect(res.status).toBe(200);
        expect(res.body.data.token).toBe(tokenA);
      }
    });

    it('TOKEN_A may not PUT or DELETE (not registered → 405)', async () => {
      const { tokenA } = await invite();
      const put = await ocpi(tokenA).put('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()));
      expect(put.status).toBe(405);
      expect(put.body.status_code).toBe(2000);
      const del = await ocpi(tokenA).delete('/ocpi/2.2.1/credentials');
      expect(del.status).toBe(405);
      expect(peer.requests).toEqual([]);
      expect((await ocpi(tokenA).get('/ocpi/versions')).status).toBe(200);
    });

    it('echoes X-Request-ID and X-Correlation-ID on successes and errors', async () => {
      const { tokenA } = await invite();
      const ids = { 'x-request-id': 'req-1234', 'x-correlation-id': 'corr-5678' };
      for (const res of [
        await ocpi(tokenA, ids).get('/ocpi/versions'),
        await ocpi(undefined, ids).get('/ocpi/versions'),
        await ocpi(tokenA, ids).get('/ocpi/9.9'),
        await ocpi(tokenA, ids).get('/ocpi/nowhere/at/all'),
        await ocpi(tokenA, ids).request('PATCH', '/ocpi/2.2.1/credentials'),
        await ocpi(tokenA, ids).post('/ocpi/2.2.1/credentials', '{not json'),
      ]) {
        expect(res.headers.get('x-request-id')).toBe('req-1234');
        expect(res.headers.get('x-correlation-id')).toBe('corr-5678');
      }
      const bare = await ocpi(tokenA).get('/ocpi/versions');
      expect(bare.headers.get('x-request-id')).toEqual(expect.any(String));
      expect(bare.headers.get('x-correlation-id')).toEqual(expect.any(String));
    });
  });

  describe('registration (POST with TOKEN_A)', () => {
    it.each(OCPI_VERSIONS)('%s: calls back with the peer token, answers our credentials with TOKEN_C, TOKEN_A dies', async (version) => {
      const { id, tokenA } = await invite('peer ' + version);
      const tokenB = peer.invite();
      const res = await ocpi(tokenA, { 'x-correlation-id': 'corr-reg', 'x-request-id': 'req-reg' }).post(`/ocpi/${version}/credentials`, peer.credentialsFor(version, tokenB));
      expect(res.status).toBe(200);
      const tokenC = res.body.data.token;
      expect(tokenC).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const ours =
        version === '2.2.1'
          ? { token: tokenC, url: `${t.baseUrl}/ocpi/versions`, roles: [{ role: 'EMSP', business_details: { name: 'Registry Under Test' }, party_id: 'ABC', country_code: 'FR' }] }
          : { token: tokenC, url: `${t.baseUrl}/ocpi/versions`, business_details: { name: 'Registry Under Test' }, party_id: 'ABC', country_code: 'FR' };
      expect(res.body).toEqual({ data: ours, status_code: 1000, status_message: expect.any(String), timestamp: expect.stringMatching(ISO_SECOND) });

      // the callbacks: versions, then this version's details, with B encoded as the version wants, our correlation id, fresh request ids
      expect(peer.requests.map((request) => [request.method, request.path])).toEqual([
        ['GET', '/ocpi/versions'],
        ['GET', `/ocpi/${version}`],
      ]);
      for (const request of peer.requests) {
        expect(request.sentToken).toBe(version === '2.2.1' ? base64(tokenB) : tokenB);
        expect(request.headers['x-correlation-id']).toBe('corr-reg');
        expect(request.headers['x-request-id']).toEqual(expect.any(String));
        expect(request.headers['x-request-id']).not.toBe('req-reg');
      }
      expect(peer.requests[0].headers['x-request-id']).not.toBe(peer.requests[1].headers['x-request-id']);

      // TOKEN_A is dead everywhere; C works raw and Base64
      expect((await ocpi(tokenA).get('/ocpi/versions')).status).toBe(401);
      expect((await ocpi(tokenA).post(`/ocpi/${version}/credentials`, peer.credentialsFor(version, tokenB))).status).toBe(401);
      expect((await ocpi(tokenC).get('/ocpi/versions')).status).toBe(200);
      expect((await ocpi(base64(tokenC)).get(`/ocpi/${version}/credentials`)).body.data.token).toBe(tokenC);

      const record = (await admin.get(`/api/peers/${id}`)).body;
      expect(record).toEqual({
        id,
        name: 'peer ' + version,
        status: 'registered',
        side: 'server',
        version,
        versions_url: peer.versionsUrl,
        endpoints: [
          { identifier: 'credentials', ...(version === '2.2.1' ? { role: 'SENDER' } : {}), url: `${peer.baseUrl}/ocpi/${version}/credentials` },
          { identifier: 'locations', ...(version === '2.2.1' ? { role: 'RECEIVER' } : {}), url: `${peer.baseUrl}/ocpi/${version}/locations` },
        ],
        party:
          version === '2.2.1'
            ? { roles: [{ role: 'EMSP', business_details: { name: 'Test Peer' }, party_id: 'PEE', country_code: 'DE' }] }
            : { party_id: 'PEE', country_code: 'DE', business_details: { name: 'Test Peer' } },
        created: expect.stringMatching(ISO_SECOND),
        updated: expect.stringMatching(ISO_SECOND),
        last_error: null,
      });

      // stored: hashes of what the peer presents, the peer's token sealed, nothing in clear
      const row = await peerRow(t, id);
      expect(row.token_a_hash).toBeNull();
      expect(row.inbound_token_hash).toBe(sha256(tokenC));
      expect(row.outbound_token).toMatch(/^v1\./);
      expect(openOutboundToken(id, row.outbound_token)).toBe(tokenB);
      const stored = JSON.stringify(row);
      for (const token of [tokenA, tokenB, tokenC]) expect(stored).not.toContain(token);
    });

    it('a registered peer POSTing again → 405', async () => {
      const { tokenC } = await register('2.2.1');
      const res = await ocpi(tokenC).post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()));
      expect(res.status).toBe(405);
      expect(res.body.status_code).toBe(2000);
    });

    it('accepts extra properties and null optional fields as OCPI receivers must', async () => {
      const { tokenA } = await invite();
      const body = {
        ...peer.credentialsFor('2.1.1', peer.invite()),
        business_details: { name: 'Peer', website: null, logo: { url: 'https://peer.example/logo.png', category: 'OPERATOR', type: 'png', width: 512, height: 512 }, extra: 1 },
        something_new: true,
      };
      const res = await ocpi(tokenA).post('/ocpi/2.1.1/credentials', body);
      expect(res.body.status_code).toBe(1000);
    });

    describe('invalid bodies → 400/2001, no callback, TOKEN_A still valid', () => {
      const valid221 = () => ({ token: 'tok-b', url: 'http://127.0.0.1:1/ocpi/versions', roles: [{ role: 'CPO', business_details: { name: 'X' }, party_id: 'XYZ', country_code: 'NL' }] });
      const valid211 = () => ({ token: 'tok-b', url: 'http://127.0.0.1:1/ocpi/versions', business_details: { name: 'X' }, party_id: 'XYZ', country_code: 'NL' });
      const cases: Array<[string, Version, unknown]> = [
        ['no body', '2.2.1', undefined],
        ['an array', '2.2.1', [valid221()]],
        ['a string', '2.1.1', '"token"'],
        ['token missing', '2.2.1', { ...valid221(), token: undefined }],
        ['token of 65 characters', '2.2.1', { ...valid221(), token: 'a'.repeat(65) }],
        ['token with a space', '2.1.1', { ...valid211(), token: 'a b' }],
        ['token not a string', '2.0', { ...valid211(), token: 42 }],
        ['url not a URL', '2.2.1', { ...valid221(), url: 'not a url' }],
        ['url not http', '2.0', { ...valid211(), url: 'ftp://example.com/versions' }],
        ['party_id of 4 characters', '2.1.1', { ...valid211(), party_id: 'ABCD' }],
        ['country_code of 3 characters', '2.0', { ...valid211(), country_code: 'NLD' }],
        ['business name missing', '2.1.1', { ...valid211(), business_details: {} }],
        ['business name too long', '2.0', { ...valid211(), business_details: { name: 'x'.repeat(101) } }],
        ['logo without category', '2.1.1', { ...valid211(), business_details: { name: 'X', logo: { url: 'https://x.example/l.png', type: 'png' } } }],
        ['2.1.1 shape on 2.2.1', '2.2.1', valid211()],
        ['2.2.1 shape on 2.1.1', '2.1.1', valid221()],
        ['roles empty', '2.2.1', { ...valid221(), roles: [] }],
        ['role not in the enum', '2.2.1', { ...valid221(), roles: [{ ...valid221().roles[0], role: 'DRIVER' }] }],
        ['the same role twice', '2.2.1', { ...valid221(), roles: [valid221().roles[0], valid221().roles[0]] }],
      ];
      it.each(cases)('%s', async (_name, version, body) => {
        const { id, tokenA } = await invite();
        const before = await snapshot(id);
        const res = await ocpi(tokenA).post(`/ocpi/${version}/credentials`, body);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ status_code: 2001, status_message: expect.any(String), timestamp: expect.stringMatching(ISO_SECOND) });
        expect(peer.requests).toEqual([]);
        expect(await snapshot(id)).toEqual(before);
        expect((await ocpi(tokenA).get('/ocpi/versions')).status).toBe(200);
      });

      it('malformed JSON', async () => {
        const { tokenA } = await invite();
        const res = await ocpi(tokenA).post('/ocpi/2.2.1/credentials', '{"token": ');
        expect(res.status).toBe(400);
        expect(res.body.status_code).toBe(2001);
      });
    });

    describe('callback failures → HTTP 200 with 3001/3002/3003, nothing changes, TOKEN_A stays valid', () => {
      async function failingPost(version: Version, body: unknown, expected: number, text: string) {
        const { id, tokenA } = await invite();
        const before = await handshakeState(id);
        const res = await ocpi(tokenA).post(`/ocpi/${version}/credentials`, body);
        expect(res.status).toBe(200);
        // the peer learns which step failed, in a fixed text, nothing of what our call saw
        expect(res.body).toEqual({ status_code: expected, status_message: text, timestamp: expect.stringMatching(ISO_SECOND) });
        expect(await handshakeState(id)).toEqual(before);
        // the details are for the admin: counted, in last_error
        const record = (await admin.get(`/api/peers/${id}`)).body;
        expect(record).toMatchObject({ status: 'invited', last_error: expect.stringMatching(/^registration attempt 1 of 10 failed: /) });
        expect((await peerRow(t, id)).failed_attempts).toBe(1);
        // TOKEN_A still works, and a good attempt then succeeds
        expect((await ocpi(tokenA).get('/ocpi/versions')).status).toBe(200);
        return { id, tokenA, lastError: record.last_error as string };
      }

      it('3001: the peer is down', async () => {
        const down = await OcpiPeer.start();
        const url = down.versionsUrl;
        await down.close();
        const { lastError } = await failingPost('2.2.1', { ...peer.credentialsFor('2.2.1', 'tok'), url }, 3001, 'could not use your versions endpoint');
        expect(lastError).toMatch(/unreachable \(ECONNREFUSED\)/);
      });

      it('3001: the versions answer is not JSON; then the same TOKEN_A registers once the peer is fixed', async () => {
        const tokenB = peer.invite();
        peer.override = (request) => (request.path === '/ocpi/versions' ? { raw: '<html>oops</html>' } : undefined);
        const { id, tokenA, lastError } = await failingPost('2.1.1', peer.credentialsFor('2.1.1', tokenB), 3001, 'could not use your versions endpoint');
        expect(lastError).toMatch(/not JSON/);
        peer.override = undefined;
        const retry = await ocpi(tokenA).post('/ocpi/2.1.1/credentials', peer.credentialsFor('2.1.1', tokenB));
        expect(retry.body.status_code).toBe(1000);
        expect(await peerRow(t, id)).toMatchObject({ status: 'registered', last_error: null, failed_attempts: 0 });
      });

      it('3001: the versions answer has a status_code other than 1000', async () => {
        peer.override = (request) => (request.path === '/ocpi/versions' ? { body: envelope(undefined, 2000, 'go away') } : undefined);
        const { lastError } = await failingPost('2.2.1', peer.credentialsFor('2.2.1', peer.invite()), 3001, 'could not use your versions endpoint');
        expect(lastError).toMatch(/status_code 2000 \(go away\)/);
      });

      it('3001: the peer refuses its own token (HTTP 401) or answers HTTP 500', async () => {
        const refused = await failingPost('2.0', peer.credentialsFor('2.0', 'a-token-the-peer-does-not-know'), 3001, 'could not use your versions endpoint');
        expect(refused.lastError).toMatch(/HTTP 401/);
        peer.override = (request) => (request.path === '/ocpi/2.0' ? { status: 500, body: envelope(undefined, 3000, 'boom') } : undefined);
        const broken = await failingPost('2.0', peer.credentialsFor('2.0', peer.invite()), 3001, 'could not use your OCPI 2.0 version details');
        expect(broken.lastError).toMatch(/HTTP 500, status_code 3000 \(boom\)/);
      });

      it('3001: the details are not version details', async () => {
        peer.override = (request) => (request.path === '/ocpi/2.2.1' ? { body: envelope([{ identifier: 'credentials' }]) } : undefined);
        await failingPost('2.2.1', peer.credentialsFor('2.2.1', peer.invite()), 3001, 'could not use your OCPI 2.2.1 version details');
      });

      it('3002: the peer does not offer the version it registers with', async () => {
        peer.versions = ['2.1.1', '2.2.1'];
        const { lastError } = await failingPost('2.0', peer.credentialsFor('2.0', peer.invite()), 3002, 'your versions endpoint does not offer OCPI 2.0');
        expect(lastError).toContain('does not offer OCPI 2.0 (it offers: 2.1.1, 2.2.1)');
        expect(peer.calls('/ocpi/2.0')).toEqual([]);
      });

      it('3003: the peer has no credentials endpoint', async () => {
        peer.credentialsEndpoint = false;
        const { lastError } = await failingPost('2.2.1', peer.credentialsFor('2.2.1', peer.invite()), 3003, 'your OCPI 2.2.1 version details have no credentials endpoint');
        expect(lastError).toContain('no credentials endpoint in OCPI 2.2.1');
      });
    });

    it('the peer learns nothing of what our callback ran into: closed port, PostgreSQL, our /metrics, an internal error text', async () => {
      const closed = await OcpiPeer.start();
      const closedUrl = closed.versionsUrl;
      await closed.close();
      const database = new URL(t.databaseUrl);
      const internal = 'upstream 10.1.2.3:5432 refused: password authentication failed for user "ocpi" ' + 'x'.repeat(2000);
      peer.override = (request) => (request.path === '/ocpi/versions' ? { body: envelope(undefined, 3000, internal) } : undefined);
      const targets: Array<[string, RegExp]> = [
        [closedUrl, /peer unreachable \(ECONNREFUSED\)/],
        [`http://${database.hostname}:${database.port}/ocpi/versions`, /peer unreachable|HTTP \d+|not JSON/],
        [`${t.baseUrl}/metrics`, /the answer is not JSON/],
        [peer.versionsUrl, /status_code 3000 \(upstream 10\.1\.2\.3:5432 refused/],
      ];
      for (const [url, detail] of targets) {
        const { id, tokenA } = await invite();
        const res = await ocpi(tokenA).post('/ocpi/2.2.1/credentials', { ...peer.credentialsFor('2.2.1', peer.invite()), url });
        expect({ url, status: res.status, body: res.body }).toEqual({ url, status: 200, body: { status_code: 3001, status_message: 'could not use your versions endpoint', timestamp: expect.stringMatching(ISO_SECOND) } });
        const lastError = (await peerRow(t, id)).last_error as string;
        expect(lastError).toMatch(detail);
        expect(lastError.length).toBeLessThan(600);
        expect(t.logs.some((line) => line.includes('"level":40') && line.includes('callback to the peer failed') && detail.test(line))).toBe(true);
      }
    });

    it('version strings a peer sends are cut short in last_error and never repeated to it', async () => {
      peer.override = (request) => (request.path === '/ocpi/versions' ? { body: envelope([{ version: 'v'.repeat(100000), url: `${peer.baseUrl}/ocpi/x` }]) } : undefined);
      const { id, tokenA } = await invite();
      const res = await ocpi(tokenA).post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()));
      expect(res.body).toMatchObject({ status_code: 3002, status_message: 'your versions endpoint does not offer OCPI 2.2.1' });
      const lastError = (await peerRow(t, id)).last_error as string;
      expect(lastError).toContain(`(it offers: ${'v'.repeat(16)})`);
      expect(lastError).not.toContain('v'.repeat(17));
    });

    it('TOKEN_A dies after 10 failed registrations: the 10th answer says so, then 401; the admin sees why', async () => {
      const down = await OcpiPeer.start();
      const url = down.versionsUrl;
      await down.close();
      const { id, tokenA } = await invite();
      const body = { ...peer.credentialsFor('2.2.1', peer.invite()), url };
      for (let attempt = 1; attempt < 10; attempt++) {
        const res = await ocpi(tokenA).post('/ocpi/2.2.1/credentials', body);
        expect(res.body).toMatchObject({ status_code: 3001, status_message: 'could not use your versions endpoint' });
        expect(await peerRow(t, id)).toMatchObject({ status: 'invited', failed_attempts: attempt });
      }
      const last = await ocpi(tokenA).post('/ocpi/2.2.1/credentials', body);
      expect(last.status).toBe(200);
      expect(last.body).toMatchObject({
        status_code: 3001,
        status_message: 'could not use your versions endpoint; too many failed attempts: this TOKEN_A is no longer valid, ask for a new invitation',
      });
      const after = await ocpi(tokenA).post('/ocpi/2.2.1/credentials', body);
      expect(after.status).toBe(401);
      expect(after.body.status_code).toBe(2000);
      expect((await ocpi(tokenA).get('/ocpi/versions')).status).toBe(401);
      expect(await peerRow(t, id)).toMatchObject({ status: 'failed', token_a_hash: null, inbound_token_hash: null, failed_attempts: 10 });
      const record = (await admin.get(`/api/peers/${id}`)).body;
      expect(record).toMatchObject({ status: 'failed', side: 'server' });
      expect(record.last_error).toMatch(/^invitation revoked after 10 failed registrations; the last: could not read the peer's versions: .*ECONNREFUSED/);
      // the admin can still withdraw it
      expect((await admin.delete(`/api/peers/${id}`)).body.status).toBe('unregistered');
    });

    it('2.2.1 callbacks go Base64 and are retried raw once when the peer answers 403', async () => {
      const { tokenA } = await invite();
      const tokenB = peer.invite();
      peer.override = (request) => (request.encoding === 'base64' ? { status: 403, body: envelope(undefined, 2000, 'Forbidden') } : undefined);
      const res = await ocpi(tokenA).post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', tokenB));
      expect(res.body.status_code).toBe(1000);
      expect(peer.requests.map((request) => [request.path, request.sentToken])).toEqual([
        ['/ocpi/versions', base64(tokenB)],
        ['/ocpi/versions', tokenB],
        ['/ocpi/2.2.1', base64(tokenB)],
        ['/ocpi/2.2.1', tokenB],
      ]);
    });

    it('two concurrent POSTs with one TOKEN_A: exactly one succeeds, the other gets 401', async () => {
      const { id, tokenA } = await invite();
      // a slow peer keeps the first registration busy while the second arrives
      peer.override = async (request) => {
        if (request.path === '/ocpi/versions') await new Promise((resolve) => setTimeout(resolve, 300));
        return undefined;
      };
      const bodies = [peer.credentialsFor('2.2.1', peer.invite()), peer.credentialsFor('2.2.1', peer.invite())];
      const answers = await Promise.all(bodies.map((body) => ocpi(tokenA).post('/ocpi/2.2.1/credentials', body)));
      const codes = answers.map((res) => res.body.status_code).sort();
      expect(codes).toEqual([1000, 2000]);
      const loser = answers.find((res) => res.body.status_code !== 1000)!;
      expect(loser.status).toBe(401);
      const winner = answers.find((res) => res.body.status_code === 1000)!;
      const row = await peerRow(t, id);
      expect(row.inbound_token_hash).toBe(sha256(winner.body.data.token));
      expect(peer.calls('/ocpi/versions')).toHaveLength(1);
    });
  });

  describe('update (PUT with the peer token)', () => {
    it('rotates: new C, the new peer token stored, endpoints fetched again; the old C dies', async () => {
      const { id, tokenC } = await register('2.2.1');
      peer.requests = [];
      const newB = peer.invite();
      const res = await ocpi(tokenC).put('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', newB));
      expect(res.status).toBe(200);
      expect(res.body.status_code).toBe(1000);
      const newC = res.body.data.token;
      expect(newC).not.toBe(tokenC);
      // always re-fetched, with the new token
      expect(peer.requests.map((request) => [request.method, request.path, request.sentToken])).toEqual([
        ['GET', '/ocpi/versions', base64(newB)],
        ['GET', '/ocpi/2.2.1', base64(newB)],
      ]);
      expect((await ocpi(tokenC).get('/ocpi/versions')).status).toBe(401);
      expect((await ocpi(tokenC).put('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', newB))).status).toBe(405);
      expect((await ocpi(newC).get('/ocpi/versions')).status).toBe(200);
      const row = await peerRow(t, id);
      expect(row.inbound_token_hash).toBe(sha256(newC));
      expect(openOutboundToken(id, row.outbound_token)).toBe(newB);
    });

    it('switches version 2.1.1 → 2.2.1 with a PUT to the 2.2.1 endpoint', async () => {
      const { id, tokenC } = await register('2.1.1');
      expect((await peerRow(t, id)).version).toBe('2.1.1');
      const res = await ocpi(tokenC).put('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()));
      expect(res.body.status_code).toBe(1000);
      expect(res.body.data.roles).toEqual([{ role: 'EMSP', business_details: { name: 'Registry Under Test' }, party_id: 'ABC', country_code: 'FR' }]);
      const record = (await admin.get(`/api/peers/${id}`)).body;
      expect(record.version).toBe('2.2.1');
      expect(record.party.roles[0].role).toBe('EMSP');
      expect(record.endpoints[0]).toEqual({ identifier: 'credentials', role: 'SENDER', url: `${peer.baseUrl}/ocpi/2.2.1/credentials` });
    });

    it('a failed PUT changes nothing: 3001/3002, old C and old B stay', async () => {
      const { id, tokenC, tokenB } = await register('2.1.1');
      const before = await handshakeState(id);
      peer.override = (request) => (request.path === '/ocpi/versions' ? { body: envelope(undefined, 3000, 'down for maintenance') } : undefined);
      const failed = await ocpi(tokenC).put('/ocpi/2.1.1/credentials', peer.credentialsFor('2.1.1', peer.invite()));
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ status_code: 3001, status_message: 'could not use your versions endpoint' });
      expect((await admin.get(`/api/peers/${id}`)).body.last_error).toMatch(/^the peer's update failed: .*status_code 3000 \(down for maintenance\)/);
      peer.override = undefined;
      peer.versions = ['2.1.1'];
      const unsupported = await ocpi(tokenC).put('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()));
      expect(unsupported.body).toMatchObject({ status_code: 3002, status_message: 'your versions endpoint does not offer OCPI 2.2.1' });
      expect(await handshakeState(id)).toEqual(before);
      expect(openOutboundToken(id, (await peerRow(t, id)).outbound_token)).toBe(tokenB);
      expect((await ocpi(tokenC).get('/ocpi/versions')).status).toBe(200);
    });

    it('an invalid PUT body → 400/2001', async () => {
      const { tokenC } = await register('2.2.1');
      const res = await ocpi(tokenC).put('/ocpi/2.2.1/credentials', { token: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.status_code).toBe(2001);
    });
  });

  describe('unregistration (DELETE with the peer token)', () => {
    it.each(OCPI_VERSIONS)('%s: 1000 without data; both tokens and the endpoints are forgotten; then 405/401', async (version) => {
      const { id, tokenC } = await register(version);
      const res = await ocpi(tokenC).delete(`/ocpi/${version}/credentials`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status_code: 1000, status_message: expect.any(String), timestamp: expect.stringMatching(ISO_SECOND) });
      expect('data' in res.body).toBe(false);
      const row = await peerRow(t, id);
      expect(row).toMatchObject({ status: 'unregistered', inbound_token_hash: null, outbound_token: null, token_a_hash: null, endpoints: [] });
      expect((await ocpi(tokenC).delete(`/ocpi/${version}/credentials`)).status).toBe(405);
      expect((await ocpi(tokenC).put(`/ocpi/${version}/credentials`, peer.credentialsFor(version, 'x'))).status).toBe(405);
      expect((await ocpi(tokenC).get('/ocpi/versions')).status).toBe(401);
      expect((await ocpi(tokenC).post(`/ocpi/${version}/credentials`, peer.credentialsFor(version, 'x'))).status).toBe(401);
      expect((await admin.get(`/api/peers/${id}`)).body.status).toBe('unregistered');
    });
  });
});

describe('peering: a peer slower than OCPI_HTTP_TIMEOUT_MS (server side)', () => {
  let t: TestApp;
  let peer: OcpiPeer;
  beforeAll(async () => {
    t = await startTestApp({ OCPI_HTTP_TIMEOUT_MS: '300' }, { captureLogs: true });
    peer = await OcpiPeer.start();
  });
  afterAll(async () => {
    await peer.close();
    await t.close();
  });

  it('3001 after the time-out, not a hung request; nothing changes', async () => {
    const invitation = (await peersApi(t).post('/api/peers', {})).body;
    const before = await peerRow(t, invitation.id);
    peer.override = (request) => (request.path === '/ocpi/versions' ? { delayMs: 1500 } : undefined);
    const started = Date.now();
    const res = await http(t.baseUrl, { authorization: `Token ${invitation.token_a}` }).post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()));
    expect(Date.now() - started).toBeLessThan(1400);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status_code: 3001, status_message: 'could not use your versions endpoint' });
    const after = await peerRow(t, invitation.id);
    expect(after).toMatchObject({ status: 'invited', token_a_hash: before.token_a_hash, failed_attempts: 1 });
    expect(after.last_error).toMatch(/no answer within 300 ms/);
  });

  it('the time-out also bounds a peer that sends its headers and then stalls the details', async () => {
    const invitation = (await peersApi(t).post('/api/peers', {})).body;
    peer.override = (request) => (request.path === '/ocpi/2.1.1' ? { body: envelope({ version: '2.1.1', endpoints: [] }), stallBodyMs: 1500 } : undefined);
    const res = await http(t.baseUrl, { authorization: `Token ${invitation.token_a}` }).post('/ocpi/2.1.1/credentials', peer.credentialsFor('2.1.1', peer.invite()));
    expect(res.body.status_code).toBe(3001);
    expect((await peerRow(t, invitation.id)).status).toBe('invited');
  });

  it('40 concurrent POSTs with one TOKEN_A against a peer that never answers in time: all in the envelope, 10 tries at most', async () => {
    peer.requests = [];
    const invitation = (await peersApi(t).post('/api/peers', {})).body;
    peer.override = (request) => (request.path === '/ocpi/versions' ? { delayMs: 1000 } : undefined);
    const ocpi = http(t.baseUrl, { authorization: `Token ${invitation.token_a}` });
    const logsBefore = t.logs.length;
    const answers = await Promise.all(Array.from({ length: 40 }, () => ocpi.post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()))));
    peer.override = undefined;
    const callbackFailures = answers.filter((res) => res.status === 200 && res.body.status_code === 3001);
    expect(callbackFailures).toHaveLength(10);
    expect(callbackFailures.filter((res) => res.body.status_message.includes('no longer valid'))).toHaveLength(1);
    // the others waited for the lease and found TOKEN_A revoked (401), or gave up waiting (409)
    for (const res of answers.filter((answer) => !callbackFailures.includes(answer))) {
      expect([401, 409]).toContain(res.status);
      expect(res.body).toEqual({ status_code: 2000, status_message: expect.any(String), timestamp: expect.stringMatching(ISO_SECOND) });
    }
    expect(peer.calls('/ocpi/versions')).toHaveLength(10);
    expect(await peerRow(t, invitation.id)).toMatchObject({ status: 'failed', token_a_hash: null, failed_attempts: 10 });
    expect(t.logs.slice(logsBefore).filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });

  it('40 requests waiting on a busy peer answer 409/2000 in the envelope once a handshake cannot still be running, logged as warnings', async () => {
    peer.requests = [];
    const invitation = (await peersApi(t).post('/api/peers', {})).body;
    // another instance holds the peer's lease, longer than any handshake takes
    await t.db.query(`UPDATE peers SET busy_id = gen_random_uuid(), busy_until = now() + interval '1 hour' WHERE id = $1`, [invitation.id]);
    const before = await peerRow(t, invitation.id);
    const ocpi = http(t.baseUrl, { authorization: `Token ${invitation.token_a}` });
    const logsBefore = t.logs.length;
    const started = Date.now();
    const [withdrawal, ...answers] = await Promise.all([
      peersApi(t).delete(`/api/peers/${invitation.id}`),
      ...Array.from({ length: 40 }, () => ocpi.post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()))),
    ]);
    // a lease is 3 time-outs + 5 s; the waiters gave up after it
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 300 + 5000);
    for (const res of answers) {
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ status_code: 2000, status_message: 'another handshake with this peer is in progress: try again later', timestamp: expect.stringMatching(ISO_SECOND) });
    }
    expect(withdrawal.status).toBe(409);
    expect(withdrawal.body).toEqual({ error: 'another handshake with this peer is in progress: try again later' });
    expect(peer.requests).toEqual([]);
    expect(await peerRow(t, invitation.id)).toEqual(before);
    const lines = t.logs.slice(logsBefore).map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.msg === 'gave up waiting for another handshake with the peer' && line.level === 40)).toHaveLength(41);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    // once the lease is gone, TOKEN_A registers as before
    await t.db.query('UPDATE peers SET busy_id = NULL, busy_until = NULL WHERE id = $1', [invitation.id]);
    peer.override = undefined;
    const res = await ocpi.post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', peer.invite()));
    expect(res.body.status_code).toBe(1000);
  });
});
