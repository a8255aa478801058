import { Injectable } from '@nestjs/common';
import { isHttpUrl, isJsonObject } from '@app/common';
import { describeCall, OcpiClient, PeerCallError } from './ocpi-client';
import { firstEncoding, isOcpiVersion, OCPI_VERSIONS, OcpiVersion, TokenEncoding } from './ocpi-versions';

/** One entry of a peer's version details, as we keep it. */
export interface PeerEndpoint {
  identifier: string;
  role?: string;
  url: string;
}

/** What the discovery of a peer found: the version to use, its endpoints and where to send credentials. */
export interface DiscoveredPeer {
  version: OcpiVersion;
  endpoints: PeerEndpoint[];
  credentialsUrl: string;
  /** The encoding to try first on the credentials endpoint, after what the peer accepted so far. */
  encoding: TokenEncoding;
}

export interface DiscoveryRequest {
  /** The peer's versions URL. */
  url: string;
  token: string;
  /** The version required; undefined: the highest mutual one. */
  version?: OcpiVersion;
  /** The version already agreed on before this exchange (its encoding is used for the versions call). */
  current?: OcpiVersion;
  /** The peer's token_encoding override. */
  override: TokenEncoding | null | undefined;
  correlationId: string;
}

/** The step of the discovery that failed: the peer is told only this (OCPI 3001/3002/3003). */
export type DiscoveryStep = 'versions' | 'version' | 'details' | 'credentials';

/** A failed discovery. The message is for our log, the admin and last_error: it names no token. */
export class DiscoveryError extends Error {
  constructor(
    readonly step: DiscoveryStep,
    message: string,
  ) {
    super(message);
  }
}


/** A peer's version string as it may appear in a message: the peer chooses it, so it is cut short. */
const shown = (version: unknown): string => String(version).slice(0, 16);

/** The versions a peer lists, for a message: at most ten, each cut short. */
function offers(offered: unknown[]): string {
  if (offered.length === 0) return 'nothing';
  return offered.slice(0, 10).map(shown).join(', ') + (offered.length > 10 ? ', …' : '');
}

/**
 * Discovery, the first part of every handshake on both sides: the peer's versions, the version to use, its
 * details, and a credentials endpoint in them (no other module is required). Nothing is sent to the peer's
 * credentials endpoint before this succeeds.
 */
@Injectable()
export class PeerDiscovery {
  constructor(private readonly client: OcpiClient) {}

  /** Throws DiscoveryError for anything the peer did wrong. */
  async discover(request: DiscoveryRequest): Promise<DiscoveredPeer> {
    const { token, override, correlationId } = request;
    const versionsCall = describeCall('GET', request.url);
    const versions = await this.client
      .call({ method: 'GET', url: request.url, token, encoding: firstEncoding(request.current, override), correlationId })
      .catch((error) => failed('versions', `could not read the peer's versions: ${peerCallMessageOrRethrow(error)}`));
    if (!Array.isArray(versions.data)) failed('versions', `could not read the peer's versions: ${versionsCall}: data is not a list of versions`);
    const known: Array<{ version: OcpiVersion; url: string }> = [];
    const offered: unknown[] = [];
    for (const entry of versions.data) {
      if (!isJsonObject(entry) || typeof entry.version !== 'string') failed('versions', `could not read the peer's versions: ${versionsCall}: a version entry has no version`);
      offered.push(entry.version);
      if (!isOcpiVersion(entry.version)) continue;
      if (!isHttpUrl(entry.url)) failed('versions', `could not read the peer's versions: ${versionsCall}: version ${entry.version} has no valid url`);
      known.push({ version: entry.version, url: entry.url });
    }

    const version = request.version ?? OCPI_VERSIONS.find((candidate) => known.some((entry) => entry.version === candidate));
    if (version === undefined) failed('version', `no mutual OCPI version: the peer offers ${offers(offered)}, we support ${OCPI_VERSIONS.join(', ')}`);
    const entry = known.find((candidate) => candidate.version === version);
    if (!entry) failed('version', `the peer does not offer OCPI ${version} (it offers: ${offers(offered)})`);

    const detailsCall = describeCall('GET', entry.url);
    const details = await this.client
      .call({ method: 'GET', url: entry.url, token, encoding: firstEncoding(version, override, versions.encoding), correlationId })
      .catch((error) => failed('details', `could not read the peer's OCPI ${version} details: ${peerCallMessageOrRethrow(error)}`));
    const data = details.data;
    if (!isJsonObject(data) || !Array.isArray(data.endpoints)) failed('details', `could not read the peer's OCPI ${version} details: ${detailsCall}: data is not version details with endpoints`);
    if (data.version !== version) failed('details', `could not read the peer's OCPI ${version} details: ${detailsCall}: details of version ${shown(data.version)}, expected ${version}`);
    // Endpoints we cannot use are left out; only the credentials endpoint is required.
    const endpoints: PeerEndpoint[] = data.endpoints
      .filter((item): item is Record<string, unknown> => isJsonObject(item) && typeof item.identifier === 'string' && item.identifier.length <= 64 && isHttpUrl(item.url))
      .map((item) => ({ identifier: item.identifier as string, ...(typeof item.role === 'string' ? { role: item.role.slice(0, 32) } : {}), url: item.url as string }));
    const credentials = endpoints.find((endpoint) => endpoint.identifier === 'credentials');
    if (!credentials) failed('credentials', `the peer has no credentials endpoint in OCPI ${version}`);
    return { version, endpoints, credentialsUrl: credentials.url, encoding: firstEncoding(version, override, details.encoding) };
  }
}

function failed(step: DiscoveryStep, message: string): never {
  throw new DiscoveryError(step, message);
}

/** The message of a failed call to a peer; anything else is a bug of ours and is thrown again as it is. */
export function peerCallMessageOrRethrow(error: unknown): string {
  if (error instanceof PeerCallError) return error.message;
  throw error;
}
