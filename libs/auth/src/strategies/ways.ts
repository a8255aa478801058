import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-strategy';
import type { Authenticator } from '../authenticator';
import type { Principal } from '../principal';

/** Passport's names of the four OVMS ways, in the order the guard tries them (docs/operators.md, "Authentication"). */
export const OVMS_WAYS = ['ovms-cookie', 'ovms-url', 'basic', 'bearer'];

/**
 * What the global guard hands every strategy in passport's authenticate options: this application's
 * Authenticator. Passport keeps strategies in one process-wide registry, so the strategies hold no state
 * of their own; two applications in one process each verify against their own services and database.
 */
export interface WaysOptions {
  session: false;
  authenticator: Authenticator;
}

/** The scheme and the value of an `Authorization` header (`Basic …`, `Bearer …`). */
export function authorizationOf(request: FastifyRequest): { scheme: string; value: string } | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  return { scheme, value };
}

/** A way that verifies through the Authenticator: a principal succeeds, none tries the next way, an error (429, 503) answers. */
export abstract class VerifyingStrategy extends Strategy {
  protected settle(verified: Promise<Principal | undefined>): void {
    verified.then(
      (principal) => (principal ? this.success(principal) : this.fail(401)),
      (error: unknown) => this.error(error as Error),
    );
  }
}
