import { Injectable } from '@nestjs/common';
import { hashPeerToken, presentedTokens } from './peer-tokens';
import { PeersRepository } from './peers.repository';

/** Who is calling an /ocpi endpoint, by the `Authorization: Token …` it presented. */
export type OcpiCaller =
  | { kind: 'missing' }
  | { kind: 'unknown' }
  /** A peer we invited, with its TOKEN_A. */
  | { kind: 'token-a'; peerId: string; token: string; hash: string }
  /** A registered peer, with the token we issued to it (C, or B when we registered with it). */
  | { kind: 'registered'; peerId: string; token: string; hash: string }
  /** A peer calling back during one of our own POSTs or PUTs, with the token we just handed it. */
  | { kind: 'callback'; token: string; hash: string };

/** OCPI's own authentication (not the operators'): raw or Base64 tokens, on every version. */
@Injectable()
export class OcpiAuthenticator {
  constructor(private readonly peers: PeersRepository) {}

  async authenticate(authorization: string | undefined): Promise<OcpiCaller> {
    const tokens = presentedTokens(authorization);
    if (tokens === undefined) return { kind: 'missing' };
    const hashes = tokens.map(hashPeerToken);
    const matches = await this.peers.matchTokens(hashes);
    // the value as sent wins over its Base64 reading
    for (const [index, hash] of hashes.entries()) {
      const match = matches.find((candidate) => candidate.hash === hash);
      if (!match) continue;
      const token = tokens[index];
      if (match.kind === 'callback') return { kind: 'callback', token, hash };
      return { kind: match.kind, peerId: match.peerId!, token, hash };
    }
    return { kind: 'unknown' };
  }
}
