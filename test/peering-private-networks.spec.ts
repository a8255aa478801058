import { loadConfig } from '../apps/registry/src/config/config';
import { http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';
import { ISO_SECOND, OcpiPeer, peerRow, peersApi } from './peering-helpers';

/**
 * Without OCPI_ALLOW_PRIVATE_NETWORKS, URLs a peer hands us are never fetched when they resolve to
 * loopback, private, link-local or unique-local addresses — and every peer of these tests is on 127.0.0.1.
 */
describe('peering without OCPI_ALLOW_PRIVATE_NETWORKS', () => {
  let t: TestApp;
  let peer: OcpiPeer;

  beforeAll(async () => {
    // unset, as in production by default
    t = await startTestApp({ OCPI_ALLOW_PRIVATE_NETWORKS: '' }, { captureLogs: true });
    peer = await OcpiPeer.start();
  });
  afterAll(async () => {
    await peer.close();
    await t.close();
  });

  const port = () => new URL(peer.baseUrl).port;

  it.each([
    ['the loopback address', () => `http://127.0.0.1:${port()}/ocpi/versions`],
    ['localhost', () => `http://localhost:${port()}/ocpi/versions`],
    ['IPv6 loopback', () => `http://[::1]:${port()}/ocpi/versions`],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${port()}/ocpi/versions`],
    ['loopback written as one number', () => `http://2130706433:${port()}/ocpi/versions`],
    ['the unspecified address', () => `http://0.0.0.0:${port()}/ocpi/versions`],
    ['a private address', () => 'http://10.0.0.1/ocpi/versions'],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data'],
    ['a unique-local address', () => 'https://[fd00::1]/ocpi/versions'],
  ])('a peer registering with a versions URL on %s: 3001 with a fixed text, never called, details for the admin', async (_name, url) => {
    const invitation = (await peersApi(t).post('/api/peers', {})).body;
    const before = peer.requests.length;
    const res = await http(t.baseUrl, { authorization: `Token ${invitation.token_a}` }).post('/ocpi/2.2.1/credentials', { ...peer.credentialsFor('2.2.1', peer.invite()), url: url() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status_code: 3001, status_message: 'could not use your versions endpoint', timestamp: expect.stringMatching(ISO_SECOND) });
    expect(peer.requests.length).toBe(before);
    const record = await peerRow(t, invitation.id);
    expect(record).toMatchObject({ status: 'invited', failed_attempts: 1 });
    expect(record.last_error).toMatch(/not called: .* resolves to .*, which is not a public address \(OCPI_ALLOW_PRIVATE_NETWORKS is not set\)/);
    expect(t.logs.some((line) => line.includes('"refused-address"'))).toBe(true);
  });

  it('an admin registering with a peer on a loopback URL: 502 saying why, nothing sent, no record', async () => {
    const res = await peersApi(t).post('/api/peers/register', { versions_url: peer.versionsUrl, token: peer.invite() });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/^could not read the peer's versions: GET http:\/\/127\.0\.0\.1:\d+\/ocpi\/versions: not called: 127\.0\.0\.1 resolves to 127\.0\.0\.1, which is not a public address/);
    expect(peer.calls('/ocpi/versions')).toEqual([]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM peers WHERE side = 'client'`)).rows[0].n).toBe(0);
  });

  it('OCPI_ALLOW_PRIVATE_NETWORKS takes true or false, anything else stops the start naming it', () => {
    expect(loadConfig({}).ocpi.allowPrivateNetworks).toBe(false);
    expect(loadConfig({ OCPI_ALLOW_PRIVATE_NETWORKS: 'true' }).ocpi.allowPrivateNetworks).toBe(true);
    expect(loadConfig({ OCPI_ALLOW_PRIVATE_NETWORKS: 'FALSE' }).ocpi.allowPrivateNetworks).toBe(false);
    expect(() => loadConfig({ OCPI_ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow('OCPI_ALLOW_PRIVATE_NETWORKS must be true or false, got "yes"');
  });
});
