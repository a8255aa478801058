import { Injectable } from '@nestjs/common';
import { isOcpiUrl } from './dto/credentials.dto';
import { describeCall, OcpiClient, PeerCallError } from './ocpi-client';
import { isOcpiVersion, OcpiVersion, TokenEncoding } from './ocpi-versions';

/** One entry of a peer's version details, as we keep it. */
export interface PeerEndpoint {
  identifier: string;
  role?: string;
  url: string;
}

export interface PeerVersions {
  /** The versions we also speak, with their details URLs. */
  known: Array<{ version: OcpiVersion; url: string }>;
  /** Every version the peer listed, for messages. */
  offered: string[];
  encoding: TokenEncoding;
}

export interface PeerDetails {
  endpoints: PeerEndpoint[];
  /** The credentials endpoint, or undefined when the peer has none in this version. */
  credentialsUrl: string | undefined;
  encoding: TokenEncoding;
}

/** An answer that is an OCPI success but not what OCPI says it must contain. */
export class BadAnswerError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reading a peer's versions and version details, the two calls both sides of the handshake make first. */
@Injectable()
export class PeerDiscovery {
  constructor(private readonly client: OcpiClient) {}

  /** GET the peer's versions. Throws PeerCallError or BadAnswerError. */
  async versions(url: string, token: string, encoding: TokenEncoding, correlationId: string): Promise<PeerVersions> {
    const answer = await this.client.call({ method: 'GET', url, token, encoding, fallback: true, correlationId });
    if (!Array.isArray(answer.data)) throw new BadAnswerError(`${describeCall('GET', url)}: data is not a list of versions`);
    const known: PeerVersions['known'] = [];
    const offered: string[] = [];
    for (const entry of answer.data) {
      if (!isObject(entry) || typeof entry.version !== 'string') throw new BadAnswerError(`${describeCall('GET', url)}: a version entry has no version`);
      offered.push(entry.version);
      if (!isOcpiVersion(entry.version)) continue;
      if (!isOcpiUrl(entry.url)) throw new BadAnswerError(`${describeCall('GET', url)}: version ${entry.version} has no valid url`);
      known.push({ version: entry.version, url: entry.url });
    }
    return { known, offered, encoding: answer.encoding };
  }

  /** GET the details of `version`. Throws PeerCallError or BadAnswerError. */
  async details(url: string, version: OcpiVersion, token: string, encoding: TokenEncoding, correlationId: string): Promise<PeerDetails> {
    const answer = await this.client.call({ method: 'GET', url, token, encoding, fallback: true, correlationId });
    const data = answer.data;
    if (!isObject(data) || !Array.isArray(data.endpoints)) throw new BadAnswerError(`${describeCall('GET', url)}: data is not version details with endpoints`);
    if (data.version !== version) throw new BadAnswerError(`${describeCall('GET', url)}: details of version ${String(data.version).slice(0, 16)}, expected ${version}`);
    // Endpoints we cannot use are left out; only the credentials endpoint is required.
    const endpoints: PeerEndpoint[] = data.endpoints
      .filter((entry): entry is Record<string, unknown> => isObject(entry) && typeof entry.identifier === 'string' && entry.identifier.length <= 64 && isOcpiUrl(entry.url))
      .map((entry) => ({ identifier: entry.identifier as string, ...(typeof entry.role === 'string' ? { role: entry.role } : {}), url: entry.url as string }));
    const credentials = endpoints.find((endpoint) => endpoint.identifier === 'credentials');
    return { endpoints, credentialsUrl: credentials?.url, encoding: answer.encoding };
  }
}

/** The message of a failed discovery call, whatever failed. */
export function failureMessage(error: unknown): string {
  if (error instanceof PeerCallError || error instanceof BadAnswerError) return error.message;
  throw error;
}
