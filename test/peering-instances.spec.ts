import { http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { base64, OCPI_VERSIONS, openOutboundToken, peerRow, peersApi, sha256, Version } from './peering-helpers';

/** Two running instances of the service peer with each other over real HTTP, in both directions and every version. */
describe('peering: two instances', () => {
  let a: TestApp;
  let b: TestApp;
  /** Every token that crossed between the instances, for the final scan. */
  const seen = new Set<string>();

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startTestApp({ OCPI_PARTY_ID: 'AAA', OCPI_COUNTRY_CODE: 'NL', OCPI_ROLE: 'CPO', OCPI_BUSINESS_NAME: 'Instance A' }, { captureLogs: true }),
      startTestApp({ OCPI_PARTY_ID: 'BBB', OCPI_COUNTRY_CODE: 'BE', OCPI_ROLE: 'EMSP', OCPI_BUSINESS_NAME: 'Instance B' }, { captureLogs: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const name = (t: TestApp) => (t === a ? 'A' : 'B');
  const identity = (t: TestApp, version: Version) => {
    const [partyId, countryCode, role, businessName] = t === a ? ['AAA', 'NL', 'CPO', 'Instance A'] : ['BBB', 'BE', 'EMSP', 'Instance B'];
    return version === '2.2.1'
      ? { roles: [{ role, business_details: { name: businessName }, party_id: partyId, country_code: countryCode }] }
      : { party_id: partyId, country_code: countryCode, business_details: { name: businessName } };
  };

  /** The tokens each side presents to the other, read back from the two databases. */
  async function tokens(server: TestApp, serverPeerId: string, client: TestApp, clientPeerId: string) {
    const [serverRow, clientRow] = await Promise.all([peerRow(server, serverPeerId), peerRow(client, clientPeerId)]);
    const clientToServer = openOutboundToken(clientPeerId, clientRow.outbound_token); // C
    const serverToClient = openOutboundToken(serverPeerId, serverRow.outbound_token); // B
    // each side keeps only the hash of what the other presents to it
    expect(serverRow.inbound_token_hash).toBe(sha256(clientToServer));
    expect(clientRow.inbound_token_hash).toBe(sha256(serverToClient));
    for (const row of [serverRow, clientRow]) for (const token of [clientToServer, serverToClient]) expect(JSON.stringify(row)).not.toContain(token);
    seen.add(clientToServer);
    seen.add(serverToClient);
    return { clientToServer, serverToClient };
  }

  /** `client` registers with `server`: an invitation on the server, the handshake started from the client. */
  async function handshake(server: TestApp, client: TestApp, version?: Version) {
    const invitation = await peersApi(server).post('/api/peers', { name: `${name(client)} at ${name(server)}` });
    expect(invitation.status).toBe(201);
    seen.add(invitation.body.token_a);
    const registered = await peersApi(client).post('/api/peers/register', {
      versions_url: invitation.body.versions_url,
      token: invitation.body.token_a,
      name: `${name(server)} from ${name(client)}`,
      ...(version ? { version } : {}),
    });
    expect(registered.status).toBe(201);
    return { serverPeerId: invitation.body.id as string, clientPeerId: registered.body.id as string, tokenA: invitation.body.token_a as string };
  }

  async function records(server: TestApp, serverPeerId: string, client: TestApp, clientPeerId: string) {
    const [onServer, onClient] = await Promise.all([peersApi(server).get(`/api/peers/${serverPeerId}`), peersApi(client).get(`/api/peers/${clientPeerId}`)]);
    return { onServer: onServer.body, onClient: onClient.body };
  }

  const directions: Array<[string, () => TestApp, () => TestApp]> = [
    ['B registers with A', () => a, () => b],
    ['A registers with B', () => b, () => a],
  ];

  describe.each(directions)('%s', (_label, serverOf, clientOf) => {
    it.each(OCPI_VERSIONS)('OCPI %s: register, rotate from both sides, unregister', async (version) => {
      const server = serverOf();
      const client = clientOf();
      const { serverPeerId, clientPeerId, tokenA } = await handshake(server, client, version);

      const { onServer, onClient } = await records(server, serverPeerId, client, clientPeerId);
      expect(onServer).toMatchObject({ status: 'registered', side: 'server', version, versions_url: `${client.baseUrl}/ocpi/versions`, party: identity(client, version), last_error: null });
      expect(onClient).toMatchObject({ status: 'registered', side: 'client', version, versions_url: `${server.baseUrl}/ocpi/versions`, party: identity(server, version), last_error: null });
      expect(onServer.endpoints).toEqual([{ identifier: 'credentials', ...(version === '2.2.1' ? { role: 'SENDER' } : {}), url: `${client.baseUrl}/ocpi/${version}/credentials` }]);
      expect(onClient.endpoints).toEqual([{ identifier: 'credentials', ...(version === '2.2.1' ? { role: 'SENDER' } : {}), url: `${server.baseUrl}/ocpi/${version}/credentials` }]);

      // TOKEN_A is dead; each side's token works at the other, raw and Base64
      let current = await tokens(server, serverPeerId, client, clientPeerId);
      expect((await http(server.baseUrl, { authorization: `Token ${tokenA}` }).get('/ocpi/versions')).status).toBe(401);
      for (const sent of [current.clientToServer, base64(current.clientToServer)]) {
        expect((await http(server.baseUrl, { authorization: `Token ${sent}` }).get(`/ocpi/${version}/credentials`)).body.data.token).toBe(current.clientToServer);
      }
      expect((await http(client.baseUrl, { authorization: `Token ${current.serverToClient}` }).get(`/ocpi/${version}/credentials`)).status).toBe(200);

      // rotation started by the client, then by the server: both tokens change, the old ones die
      for (const [initiator, peerId] of [
        [client, clientPeerId],
        [server, serverPeerId],
      ] as Array<[TestApp, string]>) {
        const before = current;
        const updated = await peersApi(initiator).post(`/api/peers/${peerId}/update`, {});
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({ status: 'registered', version, last_error: null });
        current = await tokens(server, serverPeerId, client, clientPeerId);
        expect(current.clientToServer).not.toBe(before.clientToServer);
        expect(current.serverToClient).not.toBe(before.serverToClient);
        expect((await http(server.baseUrl, { authorization: `Token ${before.clientToServer}` }).get('/ocpi/versions')).status).toBe(401);
        expect((await http(client.baseUrl, { authorization: `Token ${before.serverToClient}` }).get('/ocpi/versions')).status).toBe(401);
        expect((await http(server.baseUrl, { authorization: `Token ${current.clientToServer}` }).get('/ocpi/versions')).status).toBe(200);
      }

      // unregistration: from the client in one direction, from the server in the other
      const [initiator, peerId] = client === b ? [client, clientPeerId] : [server, serverPeerId];
      const deleted = await peersApi(initiator).delete(`/api/peers/${peerId}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toMatchObject({ status: 'unregistered', last_error: null });
      const after = await records(server, serverPeerId, client, clientPeerId);
      expect(after.onServer).toMatchObject({ status: 'unregistered', endpoints: [] });
      expect(after.onClient).toMatchObject({ status: 'unregistered', endpoints: [] });
      expect((await http(server.baseUrl, { authorization: `Token ${current.clientToServer}` }).get('/ocpi/versions')).status).toBe(401);
      expect((await http(client.baseUrl, { authorization: `Token ${current.serverToClient}` }).get('/ocpi/versions')).status).toBe(401);
      for (const [t, id] of [
        [server, serverPeerId],
        [client, clientPeerId],
      ] as Array<[TestApp, string]>) {
        expect(await peerRow(t, id)).toMatchObject({ inbound_token_hash: null, outbound_token: null, token_a_hash: null });
      }
    });
  });

  it('without a version asked for, the highest mutual one: 2.2.1', async () => {
    const { serverPeerId, clientPeerId } = await handshake(a, b);
    const { onServer, onClient } = await records(a, serverPeerId, b, clientPeerId);
    expect([onServer.version, onClient.version]).toEqual(['2.2.1', '2.2.1']);
    await tokens(a, serverPeerId, b, clientPeerId);
  });

  it.each([
    ['the client', 'client'],
    ['the server', 'server'],
  ])('version switch 2.1.1 → 2.2.1 started by %s', async (_label, who) => {
    const { serverPeerId, clientPeerId } = await handshake(a, b, '2.1.1');
    const [initiator, peerId] = who === 'client' ? [b, clientPeerId] : [a, serverPeerId];
    const switched = await peersApi(initiator).post(`/api/peers/${peerId}/update`, { version: '2.2.1' });
    expect(switched.status).toBe(200);
    const { onServer, onClient } = await records(a, serverPeerId, b, clientPeerId);
    expect(onServer).toMatchObject({ status: 'registered', version: '2.2.1', party: identity(b, '2.2.1') });
    expect(onClient).toMatchObject({ status: 'registered', version: '2.2.1', party: identity(a, '2.2.1') });
    const { clientToServer } = await tokens(a, serverPeerId, b, clientPeerId);
    expect((await http(a.baseUrl, { authorization: `Token ${base64(clientToServer)}` }).get('/ocpi/2.2.1/credentials')).status).toBe(200);
  });

  it('an instance unregistering through OCPI only (DELETE credentials) leaves the other unregistered', async () => {
    const { serverPeerId, clientPeerId } = await handshake(a, b, '2.2.1');
    const { clientToServer } = await tokens(a, serverPeerId, b, clientPeerId);
    const res = await http(a.baseUrl, { authorization: `Token ${base64(clientToServer)}` }).delete('/ocpi/2.2.1/credentials');
    expect(res.body.status_code).toBe(1000);
    expect((await peersApi(a).get(`/api/peers/${serverPeerId}`)).body.status).toBe('unregistered');
    // B still thinks it is registered; its own unregistration then reports that A no longer knows it
    const deleted = await peersApi(b).delete(`/api/peers/${clientPeerId}`);
    expect(deleted.body.status).toBe('unregistered');
    expect(deleted.body.last_error).toMatch(/did not confirm.*HTTP 405/);
  });

  it('two concurrent registrations with one TOKEN_A: exactly one succeeds', async () => {
    const invitation = (await peersApi(a).post('/api/peers', {})).body;
    seen.add(invitation.token_a);
    const attempt = () => peersApi(b).post('/api/peers/register', { versions_url: invitation.versions_url, token: invitation.token_a, name: 'race' });
    const answers = await Promise.all([attempt(), attempt()]);
    expect(answers.map((res) => res.status).sort()).toEqual([201, 502]);
    const winner = answers.find((res) => res.status === 201)!;
    const row = await peerRow(a, invitation.id);
    expect(row.status).toBe('registered');
    const clientRow = await peerRow(b, winner.body.id);
    expect(row.inbound_token_hash).toBe(sha256(openOutboundToken(winner.body.id, clientRow.outbound_token)));
    const registeredOnB = (await peersApi(b).get('/api/peers')).body.filter((p: { name: string; status: string }) => p.name === 'race' && p.status === 'registered');
    expect(registeredOnB).toHaveLength(1);
  });

  it('no token in any log line or /api/peers answer of either instance', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.size).toBeGreaterThan(30);
    const lines = [...a.logs, ...b.logs];
    expect(lines.length).toBeGreaterThan(100);
    const logs = lines.join('\n');
    expect(logs).toContain('peer registered with us');
    expect(logs).toContain('"ocpi call"');
    for (const t of [a, b]) {
      const answers = (await peersApi(t).get('/api/peers')).text;
      for (const token of seen) {
        for (const form of [token, base64(token)]) {
          expect(logs).not.toContain(form);
          expect(answers).not.toContain(form);
        }
      }
    }
  });
});
