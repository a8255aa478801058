import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Everywhere only `X-Content-Type-Options: nosniff`: the JSON and text answers of the API need nothing
 * else from helmet, and each header costs on the hot paths.
 */
const EVERYWHERE: HelmetOptions = {
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
const SWAGGER_UI: HelmetOptions = {
  ...EVERYWHERE,
  contentSecurityPolicy: { useDefaults: true, directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};

/**
 * Security headers with helmet (docs/http.md). The two header sets are built once at start-up: `@fastify/helmet`
 * builds helmet's middleware anew for every request, which cost a sixth of a device GET. Every answer gets the
 * general set from one synchronous hook (also those no route gives: 404s); the Swagger UI routes then get the
 * stricter set from a hook of their own, added as they are registered, so no request looks up its route's
 * options for this. `Cache-Control: no-store` is set with the CORS headers.
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const everywhere = helmet(EVERYWHERE);
  const swaggerUi = helmet(SWAGGER_UI);
  fastify.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/docs')) return;
    const stricter: onRequestHookHandler = (request, reply, done) => swaggerUi(request.raw, reply.raw, done as (error?: unknown) => void);
    route.onRequest = [...[route.onRequest ?? []].flat(), stricter];
  });
  fastify.addHook('onRequest', (request, reply, done) => everywhere(request.raw, reply.raw, done as (error?: unknown) => void));
}
