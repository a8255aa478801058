import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';

/** An address we may connect to, as resolved and checked before the call. */
export interface VettedAddress {
  address: string;
  family: number;
}

/** The host of a peer URL resolves to an address we do not call (loopback, private, …). */
export class RefusedAddressError extends Error {}

/**
 * Global unicast only. ipaddr.js names every special range (loopback, private 10/8 172.16/12 192.168/16,
 * link-local, unique-local, CGNAT 100.64/10, unspecified, multicast, broadcast, documentation and other
 * reserved blocks, NAT64 and 6to4 forms); `process` turns an IPv4-mapped IPv6 address into its IPv4 form first.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * Every address the URL's host resolves to (an IP literal as is). Unless private networks are allowed, all
 * of them must be public: one private answer refuses the call, so a host cannot mix a decoy in.
 */
export async function vetPeerHost(url: URL, allowPrivateNetworks: boolean): Promise<VettedAddress[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new RefusedAddressError(`${host} has no address`);
  if (!allowPrivateNetworks) {
    const refused = addresses.find((candidate) => !isPublicAddress(candidate.address));
    if (refused) throw new RefusedAddressError(`${host.slice(0, 64)} resolves to ${refused.address}, which is not a public address (OCPI_ALLOW_PRIVATE_NETWORKS is not set)`);
  }
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | VettedAddress[], family?: number) => void;

/**
 * A dispatcher for exactly one call that connects only to the addresses we checked: its lookup answers
 * them instead of asking DNS again, so the name cannot be re-bound between the check and the connection.
 * TLS still verifies the certificate against the URL's host name.
 */
export function pinnedDispatcher(addresses: VettedAddress[]): Agent {
  const lookupVetted = (_hostname: string, options: { all?: boolean } | undefined, callback: LookupCallback) => {
    if (options?.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  return new Agent({ connect: { lookup: lookupVetted as never }, pipelining: 0 });
}
