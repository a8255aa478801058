import { forbidden, isCrossSite, isStateChanging } from '@app/common';
import type { FastifyRequest } from 'fastify';
import { Principal } from './principal';

/**
 * Credentials a browser adds by itself, so a page of another site can make it send them: the session
 * cookie, and HTTP Basic it has cached. URL credentials win over Basic (4.2's order) and are not ambient.
 */
function ambient(request: FastifyRequest, principal: Principal): boolean {
  if (principal.via === 'session') return true;
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (query.username !== undefined || query.password !== undefined) return false;
  return /^\s*basic(\s|$)/i.test(request.headers.authorization ?? '');
}

/** Cross-site request forgery (docs/http.md): a state-changing request another site made with ambient credentials → 403. */
export function refuseCrossSiteWrites(request: FastifyRequest, principal: Principal, publicUrl: string): void {
  if (isStateChanging(request.method) && isCrossSite(request, publicUrl) && ambient(request, principal)) {
    throw forbidden('cross-site request refused');
  }
}
