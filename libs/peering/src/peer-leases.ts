import { conflict, REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeersRepository, StoredPeer } from './peers.repository';

/**
 * How often a waiting handshake looks again: soon at first, then less often (many may wait on one peer),
 * at random moments around that so that the waiters do not all ask at once.
 */
const POLL_MS = 50;
const MAX_POLL_MS = 500;

/**
 * One handshake at a time per peer. A handshake makes up to three outbound calls, each bounded by
 * OCPI_HTTP_TIMEOUT_MS, so a lease of three time-outs plus a margin outlives any handshake; a lease left
 * by a process that died expires by itself. A second handshake on the same peer waits for the first,
 * then sees what it left (e.g. a TOKEN_A already used).
 */
@Injectable()
export class PeerLeases {
  private readonly logger = new Logger('Peering');

  constructor(
    private readonly peers: PeersRepository,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** How long a handshake may take; also the life of the tokens we hand out for callbacks. */
  get leaseMs(): number {
    return 3 * this.config.ocpi.httpTimeoutMs + 5000;
  }

  /**
   * Runs `work` holding the peer's lease; `missing` is thrown when there is no such peer. A caller that
   * waited longer than a handshake can take gets a 409 in its surface's format (a warning for us, not a 500).
   */
  async run<T>(peerId: string, missing: () => Error, work: (peer: StoredPeer, leaseId: string) => Promise<T>): Promise<T> {
    const leaseId = randomUUID();
    const started = Date.now();
    const deadline = started + this.leaseMs + 1000;
    for (let poll = POLL_MS; ; poll = Math.min(2 * poll, MAX_POLL_MS)) {
      const taken = await this.peers.acquire(peerId, leaseId, this.leaseMs);
      if (taken === undefined) throw missing();
      if (taken !== 'busy') {
        try {
          return await work(taken, leaseId);
        } finally {
          await this.peers.release(peerId, leaseId);
        }
      }
      if (Date.now() > deadline) {
        this.logger.warn({ peer: peerId, waitedMs: Date.now() - started }, 'gave up waiting for another handshake with the peer');
        throw conflict('another handshake with this peer is in progress: try again later');
      }
      await sleep(poll / 2 + Math.random() * poll);
    }
  }
}
