import { authorizationHeader, newPeerToken, presentedTokens } from './peer-tokens';

describe('presentedTokens (Authorization: Token …)', () => {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

  it('no header, another scheme or an empty token: none', () => {
    expect(presentedTokens(undefined)).toBeUndefined();
    expect(presentedTokens('Bearer abc')).toBeUndefined();
    expect(presentedTokens('Token ')).toBeUndefined();
    expect(presentedTokens('Token a b')).toBeUndefined();
  });

  it('a raw token that is not Base64 of anything printable stays alone', () => {
    expect(presentedTokens('Token ebf3b399-779f-4497-9b9d-ac6ad3cc44d2')).toEqual(['ebf3b399-779f-4497-9b9d-ac6ad3cc44d2']);
    const ours = newPeerToken();
    expect(presentedTokens(`Token ${ours}`)).toEqual([ours]);
  });

  it('Base64, with or without padding, URL-safe or not, also decoded; the scheme is case-insensitive', () => {
    expect(presentedTokens(`Token ${b64('example-token')}`)).toEqual([b64('example-token'), 'example-token']);
    expect(presentedTokens(`token ${b64('example-token').replace(/=+$/, '')}`)).toEqual([b64('example-token').replace(/=+$/, ''), 'example-token']);
    const ours = newPeerToken();
    expect(presentedTokens(`Token ${Buffer.from(ours).toString('base64url')}`)).toEqual([Buffer.from(ours).toString('base64url'), ours]);
  });

  it("OCPI 2.2.1's own example (a trailing newline) decodes to the token", () => {
    expect(presentedTokens('Token ZXhhbXBsZS10b2tlbgo=')).toEqual(['ZXhhbXBsZS10b2tlbgo=', 'example-token']);
  });

  it('non-canonical Base64 and decodings that are not printable tokens are not decoded', () => {
    expect(presentedTokens(`Token ${b64('two words')}`)).toEqual([b64('two words')]);
    expect(presentedTokens('Token AAEC')).toEqual(['AAEC']);
  });

  it('authorizationHeader writes raw or Base64', () => {
    expect(authorizationHeader('abc', 'raw')).toBe('Token abc');
    expect(authorizationHeader('example-token', 'base64')).toBe('Token ZXhhbXBsZS10b2tlbg==');
  });
});
