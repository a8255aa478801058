import { createToken, createUser } from './auth/helpers';
import { http, Http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { base64, envelope, ISO_SECOND, OcpiPeer, openOutboundToken, peerRow, peersApi, sha256, Version } from './peering-helpers';

/** Every token a test saw, for the final scan of logs and admin answers. */
const seen = new Set<string>();

/** The admin API and the client side — the service registers with an in-test OCPI platform. */
describe('peering: we register with a peer (client side) and the admin API', () => {
  let t: TestApp;
  let peer: OcpiPeer;
  let admin: Http;

  beforeAll(async () => {
    t = await startTestApp({ OCPI_HTTP_TIMEOUT_MS: '3000' }, { captureLogs: true });
    admin = peersApi(t);
  });
  beforeEach(async () => {
    peer = await OcpiPeer.start();
  });
  afterEach(async () => {
    for (const token of [...peer.accepted, ...peer.issuedTokens]) seen.add(token);
    for (const request of peer.requests) if (typeof request.body?.token === 'string') seen.add(request.body.token);
    await peer.close();
  });
  afterAll(() => t.close());

  const ocpi = (token: string) => http(t.baseUrl, { authorization: `Token ${token}` });

  async function registerWithPeer(body: Record<string, unknown> = {}) {
    const tokenA = peer.invite();
    const res = await admin.post('/api/peers/register', { versions_url: peer.versionsUrl, token: tokenA, ...body });
    return { res, tokenA };
  }

  /** The token B we handed the peer in our POST/PUT (the last one). */
  const tokenSentToPeer = (method: 'POST' | 'PUT' = 'POST'): string => peer.requests.filter((request) => request.method === method).at(-1)!.body.token;

  async function callbackTokens(): Promise<number> {
    return (await t.db.query('SELECT count(*)::int AS n FROM peer_callback_tokens')).rows[0].n;
  }

  async function peerCount(): Promise<number> {
    return (await t.db.query('SELECT count(*)::int AS n FROM peers')).rows[0].n;
  }

  describe('admin API', () => {
    it('an invitation: 201 {id, token_a, versions_url}; the record shows no token', async () => {
      const res = await admin.post('/api/peers', { name: 'Example eMSP' });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['id', 'token_a', 'versions_url']);
      expect(res.body.token_a).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.body.versions_url).toBe(`${t.baseUrl}/ocpi/versions`);
      seen.add(res.body.token_a);
      const record = await admin.get(`/api/peers/${res.body.id}`);
      expect(record.status).toBe(200);
      expect(record.body).toEqual({
        id: res.body.id,
        name: 'Example eMSP',
        status: 'invited',
        side: 'server',
        version: null,
        versions_url: null,
        endpoints: [],
        party: null,
        created: expect.stringMatching(ISO_SECOND),
        updated: expect.stringMatching(ISO_SECOND),
        last_error: null,
      });
      expect((await peerRow(t, res.body.id)).token_a_hash).toBe(sha256(res.body.token_a));
      expect((await admin.post('/api/peers')).status).toBe(201);
    });

    it('lists all peers; 404 for an unknown or malformed id', async () => {
      const created = (await admin.post('/api/peers', { name: 'listed' })).body;
      seen.add(created.token_a);
      const list = await admin.get('/api/peers');
      expect(list.status).toBe(200);
      expect(list.body.map((p: { id: string }) => p.id)).toContain(created.id);
      for (const id of ['6f1c3a0e-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const res = await admin.get(`/api/peers/${id}`);
        expect(res.status).toBe(404);
        expect(res.text).toBe('Unrecognised API call\n');
        expect((await admin.post(`/api/peers/${id}/update`, {})).status).toBe(404);
        expect((await admin.delete(`/api/peers/${id}`)).status).toBe(404);
      }
    });

    it('peering.admin, admins only: 401 without credentials, 403 for others', async () => {
      expect((await http(t.baseUrl).get('/api/peers')).status).toBe(401);
      const user = await createUser(t, { username: 'not-an-admin' });
      const asUser = await http(t.baseUrl, user.auth).post('/api/peers', {});
      expect(asUser.status).toBe(403);
      expect(asUser.text).toBe('Insufficient rights\n');
      const adminUser = await createUser(t, { username: 'peer-admin', admin: true });
      const readOnly = await createToken(t, adminUser, 'auth');
      expect((await http(t.baseUrl, { authorization: `Bearer ${readOnly}` }).get('/api/peers')).status).toBe(403);
      const peering = await createToken(t, adminUser, 'peering.admin');
      expect((await http(t.baseUrl, { authorization: `Bearer ${peering}` }).get('/api/peers')).status).toBe(200);
    });

    it.each([
      ['no token', { versions_url: 'http://127.0.0.1:9/ocpi/versions' }],
      ['no versions_url', { token: 'abc' }],
      ['a versions_url that is not a URL', { versions_url: 'peer.example', token: 'abc' }],
      ['a token with a space', { versions_url: 'http://127.0.0.1:9/ocpi/versions', token: 'a b' }],
      ['an unknown version', { versions_url: 'http://127.0.0.1:9/ocpi/versions', token: 'abc', version: '2.2' }],
      ['an unknown property', { versions_url: 'http://127.0.0.1:9/ocpi/versions', token: 'abc', tokenA: 'x' }],
      ['a bad token_encoding', { versions_url: 'http://127.0.0.1:9/ocpi/versions', token: 'abc', token_encoding: 'hex' }],
    ])('register: 400 {"error"} for %s', async (_name, body) => {
      const res = await admin.post('/api/peers/register', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.any(String) });
    });
  });

  describe('registration', () => {
    it('picks the highest mutual version, checks it all before the POST, stores C sealed and B hashed', async () => {
      const { res, tokenA } = await registerWithPeer({ name: 'Peer One' });
      expect(res.status).toBe(201);
      const id = res.body.id;
      expect(res.body).toEqual({
        id: expect.any(String),
        name: 'Peer One',
        status: 'registered',
        side: 'client',
        version: '2.2.1',
        versions_url: peer.versionsUrl,
        endpoints: [
          { identifier: 'credentials', role: 'SENDER', url: `${peer.baseUrl}/ocpi/2.2.1/credentials` },
          { identifier: 'locations', role: 'RECEIVER', url: `${peer.baseUrl}/ocpi/2.2.1/locations` },
        ],
        party: { roles: [{ role: 'EMSP', business_details: { name: 'Test Peer' }, party_id: 'PEE', country_code: 'DE' }] },
        created: expect.stringMatching(ISO_SECOND),
        updated: expect.stringMatching(ISO_SECOND),
        last_error: null,
      });
      // versions, details, then the POST — all with TOKEN_A: raw before a version is chosen, then Base64 for 2.2.1
      expect(peer.requests.map((request) => [request.method, request.path, request.sentToken])).toEqual([
        ['GET', '/ocpi/versions', tokenA],
        ['GET', '/ocpi/2.2.1', base64(tokenA)],
        ['POST', '/ocpi/2.2.1/credentials', base64(tokenA)],
      ]);
      const correlation = peer.requests[0].headers['x-correlation-id'];
      expect(peer.requests.every((request) => request.headers['x-correlation-id'] === correlation)).toBe(true);
      expect(new Set(peer.requests.map((request) => request.headers['x-request-id'])).size).toBe(3);
      const tokenB = tokenSentToPeer();
      expect(peer.requests[2].body).toEqual({
        token: tokenB,
        url: `${t.baseUrl}/ocpi/versions`,
        roles: [{ role: 'CPO', business_details: { name: 'Device Registry' }, party_id: 'REG', country_code: 'NL' }],
      });
      expect(tokenB).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // B worked while the peer called back, before our POST returned
      expect(peer.callBackStatuses).toEqual([200, 200]);
      // and works for everything now
      expect((await ocpi(tokenB).get('/ocpi/2.2.1/credentials')).body.data.token).toBe(tokenB);
      const row = await peerRow(t, id);
      expect(row.inbound_token_hash).toBe(sha256(tokenB));
      expect(openOutboundToken(id, row.outbound_token)).toBe(peer.issuedTokens[0]);
      for (const token of [tokenA, tokenB, peer.issuedTokens[0]]) expect(JSON.stringify(row)).not.toContain(token);
      expect(await callbackTokens()).toBe(0);
    });

    it('while our POST is in flight, B is stored hashed and opens only versions and details', async () => {
      const seenDuringPost: Record<string, unknown> = {};
      peer.override = async (request) => {
        if (request.method !== 'POST') return undefined;
        const tokenB = request.body.token;
        const { rows } = await t.db.query('SELECT token_hash FROM peer_callback_tokens');
        seenDuringPost.stored = rows.map((row) => row.token_hash);
        seenDuringPost.hash = sha256(tokenB);
        seenDuringPost.statuses = [
          (await ocpi(tokenB).get('/ocpi/versions')).status,
          (await ocpi(base64(tokenB)).get('/ocpi/2.2.1')).status,
          (await ocpi(tokenB).get('/ocpi/2.2.1/credentials')).status,
          (await ocpi(tokenB).post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', 'x'))).status,
          (await ocpi(tokenB).put('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', 'x'))).status,
          (await ocpi(tokenB).delete('/ocpi/2.2.1/credentials')).status,
        ];
        return undefined;
      };
      const { res } = await registerWithPeer();
      expect(res.status).toBe(201);
      expect(seenDuringPost.stored).toEqual([seenDuringPost.hash]);
      expect(seenDuringPost.statuses).toEqual([200, 200, 401, 401, 405, 405]);
    });

    it.each(['2.0', '2.1.1'] as Version[])('registers with version %s when asked, in that version’s shape', async (version) => {
      const { res } = await registerWithPeer({ version });
      expect(res.status).toBe(201);
      expect(res.body.version).toBe(version);
      expect(res.body.party).toEqual({ party_id: 'PEE', country_code: 'DE', business_details: { name: 'Test Peer' } });
      const post = peer.calls(`/ocpi/${version}/credentials`, 'POST')[0];
      expect(post.body).toEqual({ token: expect.any(String), url: `${t.baseUrl}/ocpi/versions`, business_details: { name: 'Device Registry' }, party_id: 'REG', country_code: 'NL' });
    });

    it('TOKEN_A goes raw first and Base64 after a 401; the accepted encoding is kept', async () => {
      peer.encoding = 'base64';
      const { res, tokenA } = await registerWithPeer({ version: '2.1.1' });
      expect(res.status).toBe(201);
      expect(peer.requests.map((request) => [request.method, request.path, request.sentToken])).toEqual([
        ['GET', '/ocpi/versions', tokenA],
        ['GET', '/ocpi/versions', base64(tokenA)],
        ['GET', '/ocpi/2.1.1', base64(tokenA)],
        ['POST', '/ocpi/2.1.1/credentials', base64(tokenA)],
      ]);
    });

    it('a token_encoding override decides how the token is sent', async () => {
      const { res, tokenA } = await registerWithPeer({ version: '2.0', token_encoding: 'base64' });
      expect(res.status).toBe(201);
      expect(peer.requests.every((request) => request.sentToken === base64(tokenA))).toBe(true);
    });

    it('2.2.1 against a peer that takes TOKEN_A raw on its versions but answers 403 to raw tokens after: details and POST go Base64', async () => {
      peer.override = (request) => (request.path.startsWith('/ocpi/2.2.1') && request.encoding === 'raw' ? { status: 403, body: envelope(undefined, 2000, 'Forbidden') } : undefined);
      const { res, tokenA } = await registerWithPeer();
      expect(res.status).toBe(201);
      expect(res.body.version).toBe('2.2.1');
      expect(peer.requests.map((request) => [request.method, request.path, request.sentToken])).toEqual([
        ['GET', '/ocpi/versions', tokenA],
        ['GET', '/ocpi/2.2.1', base64(tokenA)],
        ['POST', '/ocpi/2.2.1/credentials', base64(tokenA)],
      ]);
    });

    it('one retry with the other encoding on a 403: versions go Base64 after a raw 403, 2.2.1 calls raw after a Base64 403', async () => {
      peer.override = (request) => {
        const refused = request.path === '/ocpi/versions' ? request.encoding === 'raw' : request.encoding === 'base64';
        return refused ? { status: 403, body: envelope(undefined, 2000, 'Forbidden') } : undefined;
      };
      const { res, tokenA } = await registerWithPeer();
      expect(res.status).toBe(201);
      expect(peer.requests.map((request) => [request.method, request.path, request.sentToken])).toEqual([
        ['GET', '/ocpi/versions', tokenA],
        ['GET', '/ocpi/versions', base64(tokenA)],
        ['GET', '/ocpi/2.2.1', base64(tokenA)],
        ['GET', '/ocpi/2.2.1', tokenA],
        ['POST', '/ocpi/2.2.1/credentials', base64(tokenA)],
        ['POST', '/ocpi/2.2.1/credentials', tokenA],
      ]);
    });

    describe('failures before the POST: 502 {"error"}, nothing sent to the credentials endpoint, no record', () => {
      async function failsBeforePost(pattern: RegExp, body: Record<string, unknown> = {}) {
        const peersBefore = await peerCount();
        const { res, tokenA } = await registerWithPeer(body);
        expect(res.status).toBe(502);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(res.body).toEqual({ error: expect.stringMatching(pattern) });
        expect(peer.requests.filter((request) => request.path.endsWith('/credentials'))).toEqual([]);
        expect(await peerCount()).toBe(peersBefore);
        expect(await callbackTokens()).toBe(0);
        return tokenA;
      }

      it('the peer is down', async () => {
        await peer.close();
        await failsBeforePost(/unreachable/);
        peer = await OcpiPeer.start();
      });

      it('the versions answer is not JSON', async () => {
        peer.override = (request) => (request.path === '/ocpi/versions' ? { raw: '<html>maintenance</html>' } : undefined);
        await failsBeforePost(/not JSON/);
      });

      it('the versions answer has status_code ≠ 1000', async () => {
        peer.override = (request) => (request.path === '/ocpi/versions' ? { body: envelope(undefined, 3000, 'internal') } : undefined);
        await failsBeforePost(/status_code 3000/);
      });

      it('the peer refuses TOKEN_A, raw and Base64', async () => {
        peer.override = (request) => (request.path === '/ocpi/versions' ? { status: 401, body: envelope(undefined, 2000, 'Unauthorized') } : undefined);
        const tokenA = await failsBeforePost(/HTTP 401/);
        expect(peer.calls('/ocpi/versions').map((request) => request.sentToken)).toEqual([tokenA, base64(tokenA)]);
      });

      it('no mutual version', async () => {
        peer.versions = ['1.9', '2.2', '3.0'];
        await failsBeforePost(/no mutual OCPI version.*1\.9, 2\.2, 3\.0/);
      });

      it('the version asked for is not offered', async () => {
        peer.versions = ['2.2.1'];
        await failsBeforePost(/does not offer OCPI 2\.0/, { version: '2.0' });
      });

      it('no credentials endpoint', async () => {
        peer.credentialsEndpoint = false;
        await failsBeforePost(/no credentials endpoint/);
      });

      it('the details answer is broken', async () => {
        peer.override = (request) => (request.path === '/ocpi/2.2.1' ? { status: 500, raw: 'Internal Server Error' } : undefined);
        await failsBeforePost(/HTTP 500/);
      });
    });

    describe('failures of the POST: 502, a failed record, B revoked', () => {
      async function failsAtPost(pattern: RegExp) {
        const { res } = await registerWithPeer();
        expect(res.status).toBe(502);
        expect(res.body).toEqual({ error: expect.stringMatching(pattern) });
        const tokenB = tokenSentToPeer();
        const failed = (await admin.get('/api/peers')).body.find((record: { last_error: string | null }) => record.last_error === res.body.error);
        expect(failed).toMatchObject({ status: 'failed', side: 'client', version: '2.2.1', versions_url: peer.versionsUrl });
        const row = await peerRow(t, failed.id);
        expect(row).toMatchObject({ inbound_token_hash: null, outbound_token: null, token_a_hash: null });
        expect((await ocpi(tokenB).get('/ocpi/versions')).status).toBe(401);
        expect(await callbackTokens()).toBe(0);
        return failed;
      }

      it('the peer refuses the registration (status_code 3001)', async () => {
        peer.override = (request) => (request.method === 'POST' ? { body: envelope(undefined, 3001, 'could not reach you') } : undefined);
        await failsAtPost(/refused our registration.*status_code 3001.*could not reach you/);
      });

      it('the peer answers HTTP 405 (already registered)', async () => {
        peer.override = (request) => (request.method === 'POST' ? { status: 405, body: envelope(undefined, 2000, 'Method not allowed') } : undefined);
        await failsAtPost(/HTTP 405/);
      });

      it('the peer answers 1000 without a usable credentials object', async () => {
        peer.override = (request) => (request.method === 'POST' ? { body: envelope({ url: peer.versionsUrl }) } : undefined);
        await failsAtPost(/not an OCPI 2\.2\.1 credentials object.*may consider us registered/);
      });

      it('a peer that quotes our token in its error message does not get it into our answers', async () => {
        peer.override = (request) => (request.method === 'POST' ? { body: envelope(undefined, 2001, `Invalid token (${request.body.token}) and ${request.sentToken}`) } : undefined);
        const failed = await failsAtPost(/refused/);
        expect(failed.last_error).toContain('***');
        expect(failed.last_error).not.toContain(tokenSentToPeer());
      });
    });
  });

  describe('update', () => {
    it('rotates both tokens: PUT with C carrying a new B; the peer calls back with it; the old B dies', async () => {
      const { res } = await registerWithPeer({ version: '2.1.1' });
      const id = res.body.id;
      const oldB = tokenSentToPeer();
      const oldC = peer.issuedTokens[0];
      peer.requests = [];
      peer.callBackStatuses = [];
      const updated = await admin.post(`/api/peers/${id}/update`, {});
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id, status: 'registered', version: '2.1.1', last_error: null });
      // 2.1.1: the token travels raw
      expect(peer.requests.map((request) => [request.method, request.path, request.sentToken])).toEqual([
        ['GET', '/ocpi/versions', oldC],
        ['GET', '/ocpi/2.1.1', oldC],
        ['PUT', '/ocpi/2.1.1/credentials', oldC],
      ]);
      const newB = tokenSentToPeer('PUT');
      expect(newB).not.toBe(oldB);
      expect(peer.callBackStatuses).toEqual([200, 200]);
      expect((await ocpi(oldB).get('/ocpi/versions')).status).toBe(401);
      expect((await ocpi(newB).get('/ocpi/versions')).status).toBe(200);
      const row = await peerRow(t, id);
      expect(row.inbound_token_hash).toBe(sha256(newB));
      expect(openOutboundToken(id, row.outbound_token)).toBe(peer.issuedTokens[1]);
      expect(await callbackTokens()).toBe(0);
    });

    it('switches version 2.1.1 → 2.2.1: PUT to the 2.2.1 credentials endpoint, Base64, 2.2.1 shape', async () => {
      const { res } = await registerWithPeer({ version: '2.1.1' });
      peer.requests = [];
      const updated = await admin.post(`/api/peers/${res.body.id}/update`, { version: '2.2.1' });
      expect(updated.status).toBe(200);
      expect(updated.body.version).toBe('2.2.1');
      expect(updated.body.endpoints[0]).toEqual({ identifier: 'credentials', role: 'SENDER', url: `${peer.baseUrl}/ocpi/2.2.1/credentials` });
      expect(updated.body.party).toEqual({ roles: [{ role: 'EMSP', business_details: { name: 'Test Peer' }, party_id: 'PEE', country_code: 'DE' }] });
      const put = peer.calls('/ocpi/2.2.1/credentials', 'PUT')[0];
      expect(put.encoding).toBe('base64');
      expect(put.body.roles).toEqual([{ role: 'CPO', business_details: { name: 'Device Registry' }, party_id: 'REG', country_code: 'NL' }]);
    });

    it('a failed update: 502, last_error, the old tokens stay and the new one dies', async () => {
      const { res } = await registerWithPeer();
      const id = res.body.id;
      const oldB = tokenSentToPeer();
      const before = await peerRow(t, id);
      peer.override = (request) => (request.method === 'PUT' ? { body: envelope(undefined, 3001, 'cannot reach you') } : undefined);
      const failed = await admin.post(`/api/peers/${id}/update`, {});
      expect(failed.status).toBe(502);
      expect(failed.body).toEqual({ error: expect.stringMatching(/refused our update.*3001/) });
      const after = await peerRow(t, id);
      expect(after).toMatchObject({ status: 'registered', inbound_token_hash: before.inbound_token_hash, outbound_token: before.outbound_token, version: before.version, last_error: failed.body.error });
      expect((await ocpi(oldB).get('/ocpi/versions')).status).toBe(200);
      expect((await ocpi(tokenSentToPeer('PUT')).get('/ocpi/versions')).status).toBe(401);
      // asking for a version the peer does not offer fails before any PUT
      peer.override = undefined;
      peer.versions = ['2.2.1'];
      const unsupported = await admin.post(`/api/peers/${id}/update`, { version: '2.0' });
      expect(unsupported.status).toBe(502);
      expect(unsupported.body.error).toMatch(/does not offer OCPI 2\.0/);
      // and the next good update clears last_error
      const ok = await admin.post(`/api/peers/${id}/update`, {});
      expect(ok.status).toBe(200);
      expect(ok.body.last_error).toBeNull();
    });

    it('updates a peer that registered with us (server side): PUT with B, the peer calls back with our new C', async () => {
      const invitation = (await admin.post('/api/peers', {})).body;
      const tokenB = peer.invite();
      const registered = await ocpi(invitation.token_a).post('/ocpi/2.2.1/credentials', peer.credentialsFor('2.2.1', tokenB));
      const oldC = registered.body.data.token;
      peer.requests = [];
      const updated = await admin.post(`/api/peers/${invitation.id}/update`, {});
      expect(updated.status).toBe(200);
      expect(updated.body.side).toBe('server');
      const put = peer.calls('/ocpi/2.2.1/credentials', 'PUT')[0];
      expect(put.sentToken).toBe(base64(tokenB));
      const newC = put.body.token;
      expect(peer.callBackStatuses.slice(-2)).toEqual([200, 200]);
      expect((await ocpi(oldC).get('/ocpi/versions')).status).toBe(401);
      expect((await ocpi(newC).get('/ocpi/versions')).status).toBe(200);
      expect(openOutboundToken(invitation.id, (await peerRow(t, invitation.id)).outbound_token)).toBe(peer.issuedTokens.at(-1));
    });

    it('409 for a peer that is not registered', async () => {
      const invitation = (await admin.post('/api/peers', {})).body;
      const res = await admin.post(`/api/peers/${invitation.id}/update`, {});
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: expect.any(String) });
    });
  });

  describe('unregistration', () => {
    it('DELETE to the peer with C, then both directions revoked here', async () => {
      const { res } = await registerWithPeer();
      const id = res.body.id;
      const tokenB = tokenSentToPeer();
      const tokenC = peer.issuedTokens[0];
      const deleted = await admin.delete(`/api/peers/${id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toMatchObject({ id, status: 'unregistered', endpoints: [], last_error: null });
      const call = peer.calls('/ocpi/2.2.1/credentials', 'DELETE')[0];
      expect(call.sentToken).toBe(base64(tokenC));
      expect(peer.accepted.has(tokenC)).toBe(false);
      expect((await ocpi(tokenB).get('/ocpi/versions')).status).toBe(401);
      expect(await peerRow(t, id)).toMatchObject({ inbound_token_hash: null, outbound_token: null });
      // again: nothing more to do, still 200
      expect((await admin.delete(`/api/peers/${id}`)).body.status).toBe('unregistered');
      expect(peer.calls('/ocpi/2.2.1/credentials', 'DELETE')).toHaveLength(1);
    });

    it('a peer that fails the DELETE is unregistered here anyway, with last_error', async () => {
      const { res } = await registerWithPeer({ version: '2.0' });
      peer.override = (request) => (request.method === 'DELETE' ? { status: 500, raw: 'oops' } : undefined);
      const deleted = await admin.delete(`/api/peers/${res.body.id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.status).toBe('unregistered');
      expect(deleted.body.last_error).toMatch(/did not confirm.*HTTP 500/);
      expect(peer.calls('/ocpi/2.0/credentials', 'DELETE')[0].encoding).toBe('raw');
    });

    it('an invitation withdrawn: TOKEN_A dies', async () => {
      const invitation = (await admin.post('/api/peers', {})).body;
      seen.add(invitation.token_a);
      const deleted = await admin.delete(`/api/peers/${invitation.id}`);
      expect(deleted.body.status).toBe('unregistered');
      expect((await ocpi(invitation.token_a).get('/ocpi/versions')).status).toBe(401);
    });
  });

  it('no token in any log line or /api/peers answer', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.size).toBeGreaterThan(20);
    const logs = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(50);
    const answers = (await admin.get('/api/peers')).text;
    const { rows } = await t.db.query('SELECT id FROM peers');
    const records = (await Promise.all(rows.map((row) => admin.get(`/api/peers/${row.id}`)))).map((res) => res.text).join('\n');
    for (const token of seen) {
      for (const form of [token, base64(token)]) {
        expect(logs).not.toContain(form);
        expect(answers).not.toContain(form);
        expect(records).not.toContain(form);
      }
    }
  });
});

describe('peering: a peer slower than OCPI_HTTP_TIMEOUT_MS (client side)', () => {
  let t: TestApp;
  let peer: OcpiPeer;
  let admin: Http;
  beforeAll(async () => {
    t = await startTestApp({ OCPI_HTTP_TIMEOUT_MS: '300' });
    admin = peersApi(t);
    peer = await OcpiPeer.start();
  });
  afterEach(() => {
    peer.override = undefined;
  });
  afterAll(async () => {
    await peer.close();
    await t.close();
  });

  it('slow versions: 502 after the time-out, no record', async () => {
    peer.override = (request) => (request.path === '/ocpi/versions' ? { delayMs: 1500 } : undefined);
    const started = Date.now();
    const res = await admin.post('/api/peers/register', { versions_url: peer.versionsUrl, token: peer.invite() });
    expect(Date.now() - started).toBeLessThan(1400);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/no answer within 300 ms/);
    expect((await admin.get('/api/peers')).body).toEqual([]);
  });

  it('our POST times out: 502, a failed record saying the peer may have registered us, B revoked', async () => {
    peer.override = (request) => (request.method === 'POST' ? { delayMs: 1500 } : undefined);
    const res = await admin.post('/api/peers/register', { versions_url: peer.versionsUrl, token: peer.invite(), name: 'slow' });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/did not answer our registration in time.*may have registered us/);
    const [record] = (await admin.get('/api/peers')).body.filter((p: { name: string }) => p.name === 'slow');
    expect(record).toMatchObject({ status: 'failed', side: 'client', last_error: res.body.error });
    const tokenB = peer.calls('/ocpi/2.2.1/credentials', 'POST')[0].body.token;
    expect((await http(t.baseUrl, { authorization: `Token ${tokenB}` }).get('/ocpi/versions')).status).toBe(401);
    expect((await t.db.query('SELECT count(*)::int AS n FROM peer_callback_tokens')).rows[0].n).toBe(0);
  });

  it('our PUT times out: 502, last_error, the old tokens stay', async () => {
    const registered = await admin.post('/api/peers/register', { versions_url: peer.versionsUrl, token: peer.invite() });
    expect(registered.status).toBe(201);
    const before = await peerRow(t, registered.body.id);
    peer.override = (request) => (request.method === 'PUT' ? { delayMs: 1500 } : undefined);
    const res = await admin.post(`/api/peers/${registered.body.id}/update`, {});
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/did not answer our update in time/);
    const after = await peerRow(t, registered.body.id);
    expect(after).toMatchObject({ status: 'registered', inbound_token_hash: before.inbound_token_hash, outbound_token: before.outbound_token });
  });
});
