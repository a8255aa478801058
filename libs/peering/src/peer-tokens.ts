import { SECRET_KEY, SecretCipher } from '@app/common';
import { sha256 } from '@app/common';
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { TokenEncoding } from './ocpi-versions';

/** Tokens we issue (TOKEN_A, B, C): 32 random bytes, base64url — 43 printable ASCII characters. */
export const newPeerToken = (): string => randomBytes(32).toString('base64url');

/** What we store of a token a peer presents to us. */
export const hashPeerToken = (token: string): string => sha256(token);

/** The HKDF `info` of the key that seals the tokens we present to peers. */
export const PEER_TOKEN_KEY_INFO = 'device-registry peer tokens v1';

/** The tokens we present to peers, sealed with SECRET_KEY and bound to their peer's row. */
@Injectable()
export class PeerTokenCipher {
  private readonly cipher: SecretCipher;

  constructor(@Inject(SECRET_KEY) secretKey: string) {
    this.cipher = new SecretCipher(secretKey, PEER_TOKEN_KEY_INFO);
  }

  seal(peerId: string, token: string): string {
    return this.cipher.sealText(token, `peer-token\u0000${peerId}`);
  }

  open(peerId: string, sealed: string): string {
    return this.cipher.openText(sealed, `peer-token\u0000${peerId}`);
  }
}

/** `Authorization: Token …` as we send it. */
export function authorizationHeader(token: string, encoding: TokenEncoding): string {
  return `Token ${encoding === 'base64' ? Buffer.from(token, 'utf8').toString('base64') : token}`;
}

const TOKEN_CHARACTERS = /^[\x21-\x7e]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;

/** The token decoded from Base64 (standard or URL-safe, padding optional), when the value is that exactly. */
function fromBase64(value: string): string | undefined {
  if (!BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  // a lax decoder skips what it does not understand: insist that the value is the canonical encoding
  const canonical = value.includes('-') || value.includes('_') ? bytes.toString('base64url') : bytes.toString('base64');
  if (canonical.replace(/=+$/, '') !== value.replace(/=+$/, '')) return undefined;
  // the OCPI 2.2.1 example encodes "example-token\n": a trailing newline is not part of the token
  const text = bytes.toString('utf8').replace(/\r?\n$/, '');
  return TOKEN_CHARACTERS.test(text) && Buffer.byteLength(text, 'utf8') <= 256 ? text : undefined;
}

/**
 * The tokens an `Authorization` header may carry: the value as is and, when it is valid Base64 of a
 * printable token, the decoded token. Every version accepts both; undefined when there is no `Token` header.
 */
export function presentedTokens(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*Token\s+(\S+)\s*$/i.exec(header);
  if (!match) return undefined;
  const raw = match[1];
  const decoded = fromBase64(raw);
  return decoded === undefined || decoded === raw ? [raw] : [raw, decoded];
}
