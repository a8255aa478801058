import type { FastifyInstance } from 'fastify';
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

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the Swagger UI routes as they are registered: they get helmet's stricter set. */
    swaggerUi?: boolean;
  }
}

/**
 * Security headers with helmet (docs/http.md). The two header sets are built once at start-up and
 * applied by one synchronous hook: `@fastify/helmet` builds helmet's middleware anew for every request,
 * which cost a sixth of a device GET. `Cache-Control: no-store` is set with the CORS headers.
 */
export function registerSecurityHeaders(fastify: FastifyInstance): void {
  const everywhere = helmet(EVERYWHERE);
  const swaggerUi = helmet(SWAGGER_UI);
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, swaggerUi: true };
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const headers = request.routeOptions.config?.swaggerUi === true ? swaggerUi : everywhere;
    headers(request.raw, reply.raw, done as (error?: unknown) => void);
  });
}
