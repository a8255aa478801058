import { formatTimestamp, RegistryConfig } from '@app/common';

/** The OCPI versions we serve, newest first: the order in which a mutual version is picked. */
export const OCPI_VERSIONS = ['2.2.1', '2.1.1', '2.0'] as const;
export type OcpiVersion = (typeof OCPI_VERSIONS)[number];

export const isOcpiVersion = (value: unknown): value is OcpiVersion => OCPI_VERSIONS.includes(value as OcpiVersion);

/** How a credentials token travels in `Authorization: Token …`. */
export type TokenEncoding = 'raw' | 'base64';

export const otherEncoding = (encoding: TokenEncoding): TokenEncoding => (encoding === 'raw' ? 'base64' : 'raw');

/**
 * The encoding a call to a peer tries first (docs/peering.md; the client retries once with the other on a 401 or
 * 403). The peer's `token_encoding` override wins. Calls of 2.2.1, which made Base64 explicit, go Base64.
 * Other calls (2.0, 2.1.1, and the versions call with TOKEN_A before a version is chosen) go raw, or as the
 * peer accepted the previous call of the same exchange.
 */
export function firstEncoding(version: OcpiVersion | undefined, override: TokenEncoding | null | undefined, accepted?: TokenEncoding): TokenEncoding {
  return override ?? (version === '2.2.1' ? 'base64' : (accepted ?? 'raw'));
}

/** OCPI status codes of the credentials module. */
export const OcpiStatus = {
  SUCCESS: 1000,
  CLIENT_ERROR: 2000,
  INVALID_PARAMETERS: 2001,
  SERVER_ERROR: 3000,
  UNABLE_TO_USE_CLIENT_API: 3001,
  UNSUPPORTED_VERSION: 3002,
  NO_MATCHING_ENDPOINTS: 3003,
} as const;

/** The OCPI response envelope of a success; `data` is left out when there is none (DELETE). */
export function ocpiSuccess(data?: unknown): Record<string, unknown> {
  return {
    ...(data === undefined ? {} : { data }),
    status_code: OcpiStatus.SUCCESS,
    status_message: 'Success',
    timestamp: formatTimestamp(new Date()),
  };
}

/** Our own URLs, all under PUBLIC_URL. */
export const ourVersionsUrl = (config: RegistryConfig): string => `${config.publicUrl}/ocpi/versions`;
export const ourDetailsUrl = (config: RegistryConfig, version: OcpiVersion): string => `${config.publicUrl}/ocpi/${version}`;
export const ourCredentialsUrl = (config: RegistryConfig, version: OcpiVersion): string => `${config.publicUrl}/ocpi/${version}/credentials`;

export function ourVersions(config: RegistryConfig): Array<{ version: OcpiVersion; url: string }> {
  return [...OCPI_VERSIONS].reverse().map((version) => ({ version, url: ourDetailsUrl(config, version) }));
}

export function ourVersionDetails(config: RegistryConfig, version: OcpiVersion) {
  const credentials = { identifier: 'credentials', ...(version === '2.2.1' ? { role: 'SENDER' } : {}), url: ourCredentialsUrl(config, version) };
  return { version, endpoints: [credentials] };
}

/** Our credentials object in the shape of `version`, carrying `token`. */
export function ourCredentials(config: RegistryConfig, version: OcpiVersion, token: string): Record<string, unknown> {
  const businessDetails = { name: config.ocpi.businessName };
  const partyId = config.ocpi.partyId.toUpperCase();
  const countryCode = config.ocpi.countryCode.toUpperCase();
  if (version === '2.2.1') {
    return {
      token,
      url: ourVersionsUrl(config),
      roles: [{ role: config.ocpi.role, business_details: businessDetails, party_id: partyId, country_code: countryCode }],
    };
  }
  return { token, url: ourVersionsUrl(config), business_details: businessDetails, party_id: partyId, country_code: countryCode };
}
