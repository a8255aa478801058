import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { isPublicAddress, pinnedDispatcher, RefusedAddressError, vetPeerHost } from './peer-addresses';

describe('peer addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.7', 'loopback'],
    ['10.1.2.3', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.254', 'private 172.16/12'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'CGNAT 100.64/10'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'documentation'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['64:ff9b::7f00:1', 'NAT64 form of loopback'],
    ['not-an-address', 'not an address'],
  ])('%s is not public (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses names and literals that resolve to a non-public address, unless private networks are allowed', async () => {
    for (const url of ['http://localhost:8080/ocpi/versions', 'http://127.0.0.1/', 'http://[::1]:9/', 'http://[::ffff:127.0.0.1]/', 'http://2130706433/', 'http://0x7f.1/']) {
      await expect(vetPeerHost(new URL(url), false)).rejects.toThrow(RefusedAddressError);
    }
    await expect(vetPeerHost(new URL('http://127.0.0.1:8080/'), true)).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(vetPeerHost(new URL('http://[::1]/'), true)).resolves.toEqual([{ address: '::1', family: 6 }]);
    await expect(vetPeerHost(new URL('http://8.8.8.8/'), false)).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
  });

  describe('the pinned dispatcher', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((request, response) => response.end(`host ${request.headers.host}`));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('connects to the vetted address without asking DNS again, keeping the host name of the URL', async () => {
      // the name does not resolve at all: only the pinned address can be used
      const dispatcher = pinnedDispatcher([{ address: '127.0.0.1', family: 4 }]);
      try {
        const response = await fetch(`http://peer.invalid:${port}/ocpi/versions`, { dispatcher });
        expect(await response.text()).toBe(`host peer.invalid:${port}`);
      } finally {
        await dispatcher.destroy();
      }
    });
  });
});
