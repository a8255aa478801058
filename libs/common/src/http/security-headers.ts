import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Everywhere only `X-Content-Type-Options: nosniff`: the JSON and text answers of the API need nothing
 * else from helmet, and each header costs on the hot paths.
 */
const EVERYWHERE: FastifyHelmetOptions = {
  contentSecurityPolicy: false,
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

/**
 * Swagger UI (/api/docs, its assets and documents): a Content-Security-Policy that loads only our own
 * scripts, and no framing by any other page (it holds the Authorize dialog). No
 * `upgrade-insecure-requests`: the service is often reached over plain http on a LAN or localhost.
 */
const SWAGGER_UI = {
  contentSecurityPolicy: { useDefaults: true, directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
} as const;

/** Security headers with @fastify/helmet (docs/http.md); `Cache-Control: no-store` is set with the CORS headers. */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  // Swagger's routes are added before helmet's own onRoute hook exists: set the route's options as that hook would
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, helmet: SWAGGER_UI };
  });
  void fastify.register(helmet, { global: true, ...EVERYWHERE });
}
