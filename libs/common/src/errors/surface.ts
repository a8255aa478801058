/**
 * The service has three faces and each answers errors in its own format:
 * Hono's JSON under /v1, OVMS plain text under /api, the OCPI envelope under /ocpi.
 */
export type Surface = 'hono' | 'ovms' | 'ocpi' | 'plain';

export function surfaceOf(url: string): Surface {
  if (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?')) return 'hono';
  if (url.startsWith('/api/docs')) return 'plain';
  if (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')) return 'ovms';
  if (url === '/ocpi' || url.startsWith('/ocpi/') || url.startsWith('/ocpi?')) return 'ocpi';
  return 'plain';
}
