import { badRequest, hasUnstorableText, jsonDepth, notFound, OcpiStatusError, REGISTRY_CONFIG, RegistryConfig, RegistryError, unauthorized } from '@app/common';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { checkCredentials, PeerCredentials } from './dto/credentials.dto';
import type { PresentedCaller } from './ocpi-token.guard';
import { isOcpiVersion, OcpiStatus, OcpiVersion, ourCredentials, ourVersionDetails, ourVersions } from './ocpi-versions';
import { DiscoveredPeer, DiscoveryError, DiscoveryStep, PeerDiscovery } from './peer-discovery';
import { PeerLeases } from './peer-leases';
import { hashPeerToken, newPeerToken, PeerTokenCipher } from './peer-tokens';
import { PeersRepository, StoredPeer } from './peers.repository';

const methodNotAllowed = (message: string) => new RegistryError(HttpStatus.METHOD_NOT_ALLOWED, message);
const UNKNOWN_TOKEN = 'unknown or revoked token';
const NOT_REGISTERED = 'not registered: register with POST first';

/**
 * Failed registrations a TOKEN_A survives: at this many the invitation is revoked (status `failed`), so a
 * holder of TOKEN_A cannot go on probing what our callbacks reach.
 */
export const MAX_FAILED_REGISTRATIONS = 10;

/**
 * What a peer is told when our callback fails: only the step, with a fixed text. What the call revealed
 * (connection errors, statuses, bodies) goes to our log and last_error.
 */
const CALLBACK_FAILURES: Record<DiscoveryStep, { status: number; text: (version: OcpiVersion) => string }> = {
  versions: { status: OcpiStatus.UNABLE_TO_USE_CLIENT_API, text: () => 'could not use your versions endpoint' },
  version: { status: OcpiStatus.UNSUPPORTED_VERSION, text: (version) => `your versions endpoint does not offer OCPI ${version}` },
  details: { status: OcpiStatus.UNABLE_TO_USE_CLIENT_API, text: (version) => `could not use your OCPI ${version} version details` },
  credentials: { status: OcpiStatus.NO_MATCHING_ENDPOINTS, text: (version) => `your OCPI ${version} version details have no credentials endpoint` },
};
const REVOKED = '; too many failed attempts: this TOKEN_A is no longer valid, ask for a new invitation';

/**
 * The server side of the handshake: a peer calls us. Failures of our callbacks to the peer answer HTTP 200
 * with 3001/3002/3003 and a fixed text, and change nothing but last_error and the count of failed
 * registrations; every change is one conditional UPDATE under the peer's lease.
 */
@Injectable()
export class OcpiServerService {
  private readonly logger = new Logger('Peering');

  constructor(
    private readonly peers: PeersRepository,
    private readonly leases: PeerLeases,
    private readonly discovery: PeerDiscovery,
    private readonly cipher: PeerTokenCipher,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** 404 for a version we do not serve, before anything else. */
  version(value: string): OcpiVersion {
    if (!isOcpiVersion(value)) throw notFound(`unknown OCPI version "${value.slice(0, 32)}"`);
    return value;
  }

  /** Any valid token (TOKEN_A, a registered peer's, a callback token) may read versions and details. */
  private anyCaller(caller: PresentedCaller): void {
    if (caller.kind === 'unknown') throw unauthorized(UNKNOWN_TOKEN);
  }

  versions(caller: PresentedCaller) {
    this.anyCaller(caller);
    return ourVersions(this.config);
  }

  details(version: OcpiVersion, caller: PresentedCaller) {
    this.anyCaller(caller);
    return ourVersionDetails(this.config, version);
  }

  /** GET credentials: our credentials carrying the token the caller presented (TOKEN_A or its own). */
  getCredentials(version: OcpiVersion, caller: PresentedCaller) {
    if (caller.kind !== 'token-a' && caller.kind !== 'registered') throw unauthorized(UNKNOWN_TOKEN);
    return ourCredentials(this.config, version, caller.token);
  }

  /** POST credentials with TOKEN_A: the peer registers with us. */
  async register(version: OcpiVersion, caller: PresentedCaller, body: unknown, correlationId: string) {
    if (caller.kind === 'registered') throw methodNotAllowed('already registered: use PUT to update the credentials');
    if (caller.kind !== 'token-a') throw unauthorized(UNKNOWN_TOKEN);
    const credentials = this.parseCredentials(version, body);
    const used = () => unauthorized('this TOKEN_A has already been used');
    return this.leases.run(caller.peerId, used, async (peer, leaseId) => {
      if (peer.status !== 'invited' || peer.tokenAHash !== caller.hash) throw used();
      const details = await this.callBack(peer, version, credentials, correlationId, (reason) =>
        this.peers.recordFailedRegistration(peer.id, leaseId, caller.hash, reason, MAX_FAILED_REGISTRATIONS),
      );
      const tokenC = newPeerToken();
      const registered = await this.peers.update(
        peer.id,
        leaseId,
        {
          status: 'registered',
          version,
          versionsUrl: credentials.url,
          endpoints: details.endpoints,
          party: credentials.party,
          tokenAHash: null,
          inboundTokenHash: hashPeerToken(tokenC),
          outboundToken: this.cipher.seal(peer.id, credentials.token),
          lastError: null,
          failedAttempts: 0,
        },
        { expectTokenAHash: caller.hash },
      );
      if (!registered) throw used();
      this.logger.log({ peer: peer.id, version }, 'peer registered with us');
      return ourCredentials(this.config, version, tokenC);
    });
  }

  /** PUT credentials with the peer's token: new token, (maybe) new version, endpoints fetched again. */
  async update(version: OcpiVersion, presented: PresentedCaller, body: unknown, correlationId: string) {
    const caller = this.registeredCaller(presented);
    const credentials = this.parseCredentials(version, body);
    return this.leases.run(caller.peerId, () => methodNotAllowed(NOT_REGISTERED), async (peer, leaseId) => {
      if (peer.status !== 'registered' || peer.inboundTokenHash !== caller.hash) throw methodNotAllowed(NOT_REGISTERED);
      const details = await this.callBack(peer, version, credentials, correlationId, async (reason) => {
        await this.peers.update(peer.id, leaseId, { lastError: `the peer's update failed: ${reason}` }, { expectInboundHash: caller.hash });
        return false;
      });
      const tokenC = newPeerToken();
      const updated = await this.peers.update(
        peer.id,
        leaseId,
        {
          version,
          versionsUrl: credentials.url,
          endpoints: details.endpoints,
          party: credentials.party,
          inboundTokenHash: hashPeerToken(tokenC),
          outboundToken: this.cipher.seal(peer.id, credentials.token),
          lastError: null,
        },
        { expectInboundHash: caller.hash },
      );
      if (!updated) throw methodNotAllowed(NOT_REGISTERED);
      this.logger.log({ peer: peer.id, version }, 'peer updated its credentials');
      return ourCredentials(this.config, version, tokenC);
    });
  }

  /** DELETE credentials: the peer unregisters; both directions' tokens and its endpoints are forgotten. */
  async unregister(presented: PresentedCaller): Promise<void> {
    const caller = this.registeredCaller(presented);
    await this.leases.run(caller.peerId, () => methodNotAllowed(NOT_REGISTERED), async (peer, leaseId) => {
      const changes = { status: 'unregistered' as const, inboundTokenHash: null, outboundToken: null, endpoints: [], lastError: null };
      if (!(await this.peers.update(peer.id, leaseId, changes, { expectInboundHash: caller.hash }))) throw methodNotAllowed(NOT_REGISTERED);
      this.logger.log({ peer: peer.id }, 'peer unregistered');
    });
  }

  /** PUT and DELETE: 405 for anyone not registered (OCPI), 401 only when there is no token at all. */
  private registeredCaller(caller: PresentedCaller) {
    if (caller.kind !== 'registered') throw methodNotAllowed(NOT_REGISTERED);
    return caller;
  }

  private parseCredentials(version: OcpiVersion, body: unknown): PeerCredentials {
    if (body === undefined || body === null) throw badRequest('request body is required: a credentials object');
    if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('request body must be a JSON object');
    if (jsonDepth(body) > 20 || hasUnstorableText(body)) throw badRequest('request body is not a credentials object');
    const checked = checkCredentials(version, body);
    if ('invalid' in checked) throw badRequest(checked.invalid);
    return checked;
  }

  /**
   * Calls the peer back with the token from its body: its versions (must list `version`, else 3002), then
   * the details of that version (must have a credentials endpoint, else 3003); anything else → 3001.
   * A failure is logged and handed to `record` (for last_error), which says whether TOKEN_A was revoked.
   */
  private async callBack(
    peer: StoredPeer,
    version: OcpiVersion,
    credentials: PeerCredentials,
    correlationId: string,
    record: (reason: string) => Promise<boolean>,
  ): Promise<DiscoveredPeer> {
    try {
      return await this.discovery.discover({ url: credentials.url, token: credentials.token, version, current: version, override: peer.tokenEncoding, correlationId });
    } catch (error) {
      if (!(error instanceof DiscoveryError)) throw error;
      this.logger.warn({ peer: peer.id, version, step: error.step }, `callback to the peer failed: ${error.message}`);
      const revoked = await record(error.message);
      const failure = CALLBACK_FAILURES[error.step];
      throw new OcpiStatusError(failure.status, failure.text(version) + (revoked ? REVOKED : ''));
    }
  }
}
