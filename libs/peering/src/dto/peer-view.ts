import { formatTimestamp } from '@app/common';
import { PeerEndpoint } from '../peer-discovery';
import { StoredPeer } from '../peers.repository';

/** A peer as /api/peers shows it: never a token. */
export interface PeerView {
  id: string;
  name: string | null;
  status: StoredPeer['status'];
  side: StoredPeer['side'];
  version: string | null;
  versions_url: string | null;
  endpoints: PeerEndpoint[];
  party: Record<string, unknown> | null;
  created: string;
  updated: string;
  last_error: string | null;
}

type Json = Record<string, unknown>;

/** jsonb keeps keys in its own order: put them back in OCPI's. */
function ordered(value: unknown, keys: string[]): Json {
  const source = (value ?? {}) as Json;
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

const businessDetails = (value: unknown) => {
  const details = ordered(value, ['name', 'website', 'logo']);
  if (details.logo !== undefined) details.logo = ordered(details.logo, ['url', 'thumbnail', 'category', 'type', 'width', 'height']);
  return details;
};

function mapParty(party: Json | null): Json | null {
  if (party === null) return null;
  if (Array.isArray(party.roles)) {
    return { roles: party.roles.map((role: Json) => ({ ...ordered(role, ['role']), business_details: businessDetails(role.business_details), ...ordered(role, ['party_id', 'country_code']) })) };
  }
  return { ...ordered(party, ['party_id', 'country_code']), business_details: businessDetails(party.business_details) };
}

export function mapPeer(peer: StoredPeer): PeerView {
  return {
    id: peer.id,
    name: peer.name,
    status: peer.status,
    side: peer.side,
    version: peer.version,
    versions_url: peer.versionsUrl,
    endpoints: peer.endpoints.map((endpoint) => ordered(endpoint, ['identifier', 'role', 'url']) as unknown as PeerEndpoint),
    party: mapParty(peer.party),
    created: formatTimestamp(peer.created),
    updated: formatTimestamp(peer.updated),
    last_error: peer.lastError,
  };
}
