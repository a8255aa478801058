import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../sessions/session-cookie';
import { VerifyingStrategy, WaysOptions } from './ways';

/** The `ovmsapisession` cookie of GET /api/cookie (parsed by @fastify/cookie). A dead session tries the next way. */
export class CookieStrategy extends VerifyingStrategy {
  readonly name = 'ovms-cookie';

  override authenticate(request: unknown, options: WaysOptions): void {
    const sessionId = (request as FastifyRequest).cookies?.[SESSION_COOKIE];
    if (!sessionId) return this.fail(401);
    this.settle(options.authenticator.bySession(sessionId));
  }
}
