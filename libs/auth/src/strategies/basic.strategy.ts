import type { FastifyRequest } from 'fastify';
import { authorizationOf, VerifyingStrategy, WaysOptions } from './ways';

/** `user:password` of a Basic header: the password is everything after the first colon (it may hold colons). */
export function basicCredentials(value: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** HTTP Basic with the username and the password or an API token of the user. */
export class BasicStrategy extends VerifyingStrategy {
  readonly name = 'basic';

  override authenticate(request: unknown, options: WaysOptions): void {
    const req = request as FastifyRequest;
    const authorization = authorizationOf(req);
    if (!authorization || !/^basic$/i.test(authorization.scheme)) return this.fail(401);
    const credentials = basicCredentials(authorization.value);
    if (!credentials) return this.fail(401);
    this.settle(options.authenticator.authenticatePassword(credentials.username, credentials.password, req.ip));
  }
}
