import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-strategy';
import { SESSION_COOKIE } from '../sessions/session-cookie';
import { WaysOptions } from './ways';

/** The `ovmsapisession` cookie of GET /api/cookie (parsed by @fastify/cookie). A dead session tries the next way. */
export class CookieStrategy extends Strategy {
  readonly name = 'ovms-cookie';

  override authenticate(request: unknown, options: WaysOptions): void {
    const sessionId = (request as FastifyRequest).cookies?.[SESSION_COOKIE];
    if (!sessionId) return this.fail(401);
    options.authenticator.bySession(sessionId).then(
      (principal) => (principal ? this.success(principal) : this.fail(401)),
      (error: unknown) => this.error(error as Error),
    );
  }
}
