import { REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeersRepository, StoredPeer } from './peers.repository';

const POLL_MS = 50;

/**
 * One handshake at a time per peer. A handshake makes up to three outbound calls, each bounded by
 * OCPI_HTTP_TIMEOUT_MS, so a lease of three time-outs plus a margin outlives any handshake; a lease left
 * by a process that died expires by itself. A second handshake on the same peer waits for the first,
 * then sees what it left (e.g. a TOKEN_A already used).
 */
@Injectable()
export class PeerLeases {
  constructor(
    private readonly peers: PeersRepository,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** How long a handshake may take; also the life of the tokens we hand out for callbacks. */
  get leaseMs(): number {
    return 3 * this.config.ocpi.httpTimeoutMs + 5000;
  }

  /** Runs `work` holding the peer's lease; `missing` is thrown when there is no such peer. */
  async run<T>(peerId: string, missing: () => Error, work: (peer: StoredPeer, leaseId: string) => Promise<T>): Promise<T> {
    const leaseId = randomUUID();
    const deadline = Date.now() + this.leaseMs + 1000;
    for (;;) {
      const taken = await this.peers.acquire(peerId, leaseId, this.leaseMs);
      if (taken === undefined) throw missing();
      if (taken !== 'busy') {
        try {
          return await work(taken, leaseId);
        } finally {
          await this.peers.release(peerId, leaseId);
        }
      }
      if (Date.now() > deadline) throw new Error(`peer ${peerId} stayed busy longer than a handshake can take`);
      await sleep(POLL_MS);
    }
  }
}
