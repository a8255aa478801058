import { conflict, notFound, REGISTRY_CONFIG, RegistryConfig, RegistryError } from '@app/common';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { checkCredentials, PeerCredentials } from './dto/credentials.dto';
import { InvitePeerDto, RegisterPeerDto, UpdatePeerDto } from './dto/peer.dto';
import { mapPeer, PeerView } from './dto/peer-view';
import { OcpiClient, PeerCallError } from './ocpi-client';
import { firstEncoding, isOcpiVersion, OcpiVersion, ourCredentials, ourVersionsUrl, TokenEncoding } from './ocpi-versions';
import { DiscoveredPeer, DiscoveryError, peerCallMessageOrRethrow, PeerDiscovery } from './peer-discovery';
import { PeerLeases } from './peer-leases';
import { hashPeerToken, newPeerToken, PeerTokenCipher } from './peer-tokens';
import { PeersRepository, StoredPeer } from './peers.repository';

/** 502 {"error": reason}: the peer failed us. */
const badGateway = (reason: string) => new RegistryError(HttpStatus.BAD_GATEWAY, reason);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The admin API and the client side of the handshake: invitations, registering with a peer, updating and
 * unregistering. Nothing is sent to a peer's credentials endpoint before its versions and details checked out.
 */
@Injectable()
export class PeersService {
  private readonly logger = new Logger('Peering');

  constructor(
    private readonly peers: PeersRepository,
    private readonly leases: PeerLeases,
    private readonly discovery: PeerDiscovery,
    private readonly client: OcpiClient,
    private readonly cipher: PeerTokenCipher,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  async list(): Promise<PeerView[]> {
    return (await this.peers.list()).map(mapPeer);
  }

  async get(id: string): Promise<PeerView> {
    const peer = UUID.test(id) ? await this.peers.find(id) : undefined;
    if (!peer) throw notFound(`peer ${id} not found`);
    return mapPeer(peer);
  }

  /** An invitation: TOKEN_A and our versions URL, to hand to the peer out of band. TOKEN_A is shown only here. */
  async invite(dto: InvitePeerDto): Promise<{ id: string; token_a: string; versions_url: string }> {
    const tokenA = newPeerToken();
    const peer = await this.peers.insert({
      id: randomUUID(),
      name: dto.name ?? null,
      side: 'server',
      status: 'invited',
      tokenEncoding: dto.token_encoding ?? null,
      tokenAHash: hashPeerToken(tokenA),
    });
    this.logger.log({ peer: peer.id }, 'peer invited');
    return { id: peer.id, token_a: tokenA, versions_url: ourVersionsUrl(this.config) };
  }

  /**
   * We register with a peer that gave us its versions URL and TOKEN_A. Before the POST: versions, the
   * highest mutual version (or the one asked for), its details with a credentials endpoint. Our token B is
   * valid before the POST so the peer can call back; the peer's answer carries C.
   */
  async register(dto: RegisterPeerDto): Promise<PeerView> {
    const correlationId = randomUUID();
    const tokenA = dto.token;
    const override = dto.token_encoding;
    let found: DiscoveredPeer;
    try {
      // TOKEN_A goes raw first (no version is chosen yet), then as the chosen version wants
      found = await this.discovery.discover({ url: dto.versions_url, token: tokenA, version: dto.version, override, correlationId });
    } catch (error) {
      if (error instanceof DiscoveryError) throw badGateway(error.message);
      throw error;
    }
    const { version } = found;

    const id = randomUUID();
    const tokenB = newPeerToken();
    const callbackHash = hashPeerToken(tokenB);
    await this.peers.insertCallbackToken(callbackHash, this.leases.leaseMs);
    const base = {
      id,
      name: dto.name ?? null,
      side: 'client' as const,
      version,
      versionsUrl: dto.versions_url,
      endpoints: found.endpoints,
      tokenEncoding: override ?? null,
    };
    const outcome = await this.sendCredentials('POST', found.credentialsUrl, tokenA, found.encoding, version, tokenB, correlationId, callbackHash);
    if ('credentials' in outcome) {
      const { credentials } = outcome;
      const peer = await this.peers.insert(
        {
          ...base,
          status: 'registered',
          versionsUrl: credentials.url,
          party: credentials.party,
          inboundTokenHash: callbackHash,
          outboundToken: this.cipher.seal(id, credentials.token),
        },
        callbackHash,
      );
      this.logger.log({ peer: id, version }, 'registered with a peer');
      return mapPeer(peer);
    }
    const failure = outcome.failure;
    // B dies with the failed attempt; the record stays, failed, for the admin to see (docs/peering.md)
    await this.peers.insert({ ...base, status: 'failed', lastError: failure }, callbackHash);
    this.logger.warn({ peer: id, version }, `registration with a peer failed: ${failure}`);
    throw badGateway(failure);
  }

  /**
   * A new token for a registered peer (either side), optionally in another version: PUT to its credentials
   * endpoint, store the token it returns. Old tokens die on success and stay on failure.
   */
  async update(id: string, dto: UpdatePeerDto): Promise<PeerView> {
    if (!UUID.test(id)) throw notFound(`peer ${id} not found`);
    return this.leases.run(id, () => notFound(`peer ${id} not found`), async (peer, leaseId) => {
      if (peer.status !== 'registered' || !peer.outboundToken || !peer.versionsUrl || !isOcpiVersion(peer.version)) {
        throw conflict(`peer ${id} is not registered (status ${peer.status})`);
      }
      const current = peer.version;
      const target: OcpiVersion = dto.version ?? current;
      const override: TokenEncoding | null = dto.token_encoding ?? peer.tokenEncoding;
      const token = this.outboundToken(peer);
      if (token === undefined) throw conflict(`the token for peer ${id} cannot be decrypted (was SECRET_KEY changed?): unregister and register again`);
      const correlationId = randomUUID();
      const failed = async (reason: string): Promise<never> => {
        await this.peers.update(peer.id, leaseId, { lastError: reason });
        this.logger.warn({ peer: id, version: target }, `update of a peer failed: ${reason}`);
        throw badGateway(reason);
      };

      let found: DiscoveredPeer;
      try {
        found = await this.discovery.discover({ url: peer.versionsUrl, token, version: target, current, override, correlationId });
      } catch (error) {
        if (error instanceof DiscoveryError) return failed(error.message);
        throw error;
      }

      const newToken = newPeerToken();
      const callbackHash = hashPeerToken(newToken);
      await this.peers.insertCallbackToken(callbackHash, this.leases.leaseMs);
      const outcome = await this.sendCredentials('PUT', found.credentialsUrl, token, found.encoding, target, newToken, correlationId, callbackHash);
      if ('credentials' in outcome) {
        const { credentials } = outcome;
        const updated = await this.peers.update(
          peer.id,
          leaseId,
          {
            version: target,
            versionsUrl: credentials.url,
            endpoints: found.endpoints,
            party: credentials.party,
            tokenEncoding: override,
            inboundTokenHash: callbackHash,
            outboundToken: this.cipher.seal(peer.id, credentials.token),
            lastError: null,
          },
          { callbackTokenHash: callbackHash },
        );
        if (!updated) throw new Error(`lost the lease of peer ${peer.id} during its update`);
        this.logger.log({ peer: id, version: target }, 'updated our credentials with a peer');
        return mapPeer(updated);
      }
      const failure = outcome.failure;
      await this.peers.deleteCallbackToken(callbackHash);
      return failed(failure);
    });
  }

  /**
   * Unregisters a peer: DELETE on its credentials endpoint when it is registered (either side), then both
   * directions' tokens are revoked here whatever the peer answered (its answer goes to last_error).
   */
  async unregister(id: string): Promise<PeerView> {
    if (!UUID.test(id)) throw notFound(`peer ${id} not found`);
    return this.leases.run(id, () => notFound(`peer ${id} not found`), async (peer, leaseId) => {
      let lastError = peer.status === 'registered' ? null : peer.lastError;
      if (peer.status === 'registered') {
        const credentialsUrl = peer.endpoints.find((endpoint) => endpoint.identifier === 'credentials')?.url;
        const token = this.outboundToken(peer);
        if (!credentialsUrl || token === undefined || !isOcpiVersion(peer.version)) {
          lastError = 'unregistered here only: no credentials endpoint or usable token of the peer is known';
        } else {
          try {
            await this.client.call({
              method: 'DELETE',
              url: credentialsUrl,
              token,
              encoding: firstEncoding(peer.version, peer.tokenEncoding),
              correlationId: randomUUID(),
            });
          } catch (error) {
            lastError = `unregistered here, but the peer did not confirm: ${peerCallMessageOrRethrow(error)}`;
          }
        }
      }
      const changes = { status: 'unregistered' as const, tokenAHash: null, inboundTokenHash: null, outboundToken: null, endpoints: [], lastError };
      const updated = await this.peers.update(peer.id, leaseId, changes);
      if (!updated) throw new Error(`lost the lease of peer ${peer.id} during its unregistration`);
      this.logger.log({ peer: id }, 'peer unregistered by an admin');
      return mapPeer(updated);
    });
  }

  /** The token we present to the peer, or undefined when there is none or it does not open (another SECRET_KEY). */
  private outboundToken(peer: StoredPeer): string | undefined {
    if (!peer.outboundToken) return undefined;
    try {
      return this.cipher.open(peer.id, peer.outboundToken);
    } catch {
      this.logger.error({ peer: peer.id }, 'the stored token of a peer does not decrypt with this SECRET_KEY');
      return undefined;
    }
  }

  /**
   * POST (register) or PUT (update) our credentials carrying `ourToken` to the peer's credentials endpoint.
   * The peer's answer must be its credentials in the shape of `version`.
   */
  private async sendCredentials(
    method: 'POST' | 'PUT',
    url: string,
    token: string,
    encoding: TokenEncoding,
    version: OcpiVersion,
    ourToken: string,
    correlationId: string,
    callbackHash: string,
  ): Promise<{ credentials: PeerCredentials } | { failure: string }> {
    const what = method === 'POST' ? 'registration' : 'update';
    try {
      const answer = await this.client.call({ method, url, token, encoding, body: ourCredentials(this.config, version, ourToken), correlationId });
      const credentials = checkCredentials(version, answer.data);
      if (!('invalid' in credentials)) return { credentials };
      const state = method === 'POST' ? 'it may consider us registered' : 'it may have switched to our new token';
      return { failure: `the peer accepted our ${what} but its answer is not an OCPI ${version} credentials object (${credentials.invalid}); ${state}` };
    } catch (error) {
      if (error instanceof PeerCallError) return { failure: this.postFailure(what, error) };
      await this.peers.deleteCallbackToken(callbackHash);
      throw error;
    }
  }

  /** Why our POST or PUT to the peer's credentials endpoint failed, and what the peer may now believe. */
  private postFailure(what: 'registration' | 'update', error: PeerCallError): string {
    if (error.failure === 'timeout') {
      const state = what === 'registration' ? 'it may have registered us with a token we have now revoked' : 'it may have switched to our new token, which we have now revoked';
      return `the peer did not answer our ${what} in time (${error.message}); ${state}`;
    }
    if (error.failure === 'unreachable') return `the peer is unreachable (${error.message})`;
    return `the peer refused our ${what} (${error.message})`;
  }
}
