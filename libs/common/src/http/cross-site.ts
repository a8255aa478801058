import type { FastifyRequest } from 'fastify';

const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a browser sent this request from another site (docs/http.md): `Sec-Fetch-Site: cross-site`, or an
 * `Origin` that is neither the request's own (the scheme, Host and port it was sent to) nor PUBLIC_URL's.
 * `Origin: null` (sandboxed frames, some redirects) is foreign. Requests without either header — curl,
 * scripts, Hono clients — are not cross-site.
 */
export function isCrossSite(request: FastifyRequest, publicUrl: string): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  const sent = originOf(origin);
  if (sent === undefined) return true;
  return sent !== originOf(`${request.protocol}://${request.host}`) && sent !== originOf(publicUrl);
}

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method);
}
