import { unauthorized } from '@app/common';
import type { FastifyRequest } from 'fastify';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Authenticator } from '../authenticator';
import { Principal } from '../principal';
import { WaysOptions } from './ways';

/** What passport-local gets to read: the two URL parameters alone (it would look in the body first). */
interface UrlCredentials {
  query: { username: string; password: string };
  ip: string;
  authenticator: Authenticator;
}

const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);
const filled = (value: unknown): value is string => typeof value === 'string' && value !== '';

function verify(credentials: UrlCredentials, username: string, password: string, done: (error: unknown, principal?: Principal) => void): void {
  credentials.authenticator.authenticatePassword(username, password, credentials.ip).then(
    // credentials in the URL that are wrong answer 401 at once: no fall-through to Basic or Bearer
    (principal) => (principal ? done(null, principal) : done(unauthorized())),
    done,
  );
}

/**
 * OVMS's URL form: `?username=…&password=…`, the password being the user's password or one of its API
 * tokens. Read from the query only. Present at all (either parameter), it decides: a wrong or incomplete
 * pair is a 401, not a reason to try the next way.
 */
export class UrlStrategy extends LocalStrategy {
  constructor() {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true }, verify as never);
    this.name = 'ovms-url';
  }

  override authenticate(request: unknown, options: WaysOptions): void {
    const { query, ip } = request as FastifyRequest;
    const { username, password } = (query ?? {}) as Record<string, unknown>;
    if (username === undefined && password === undefined) return this.fail(401);
    const [name, secret] = [first(username), first(password)];
    if (!filled(name) || !filled(secret)) return this.error(unauthorized());
    const credentials: UrlCredentials = { query: { username: name, password: secret }, ip, authenticator: options.authenticator };
    super.authenticate(credentials as never, options);
  }
}
