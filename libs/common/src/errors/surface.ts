import { requestPath } from '../http/request-path';

/**
 * The service has three faces and each answers errors in its own format:
 * Hono's JSON under /v1, OVMS plain text under /api, the OCPI envelope under /ocpi.
 */
export type Surface = 'hono' | 'ovms' | 'ocpi' | 'plain';

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The surface of a request target (a URL as sent, or a path), decided from the path the router sees. */
export function surfaceOf(url: string): Surface {
  const path = requestPath(url);
  if (under(path, '/v1')) return 'hono';
  if (path.startsWith('/api/docs')) return 'plain'; // Swagger UI and its documents
  if (under(path, '/api')) return 'ovms';
  if (under(path, '/ocpi')) return 'ocpi';
  return 'plain';
}
