import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import FindMyWay, { HTTPMethod } from 'find-my-way';
import type { Surface } from '../errors/surface';
import { requestPath } from './request-path';

const PREFLIGHT_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];
const ALLOWED_HEADERS = 'Authorization, Content-Type, If-Match';

/**
 * CORS as Hono's registry does it: a preflight needs no credentials and lists the methods the path
 * really has (learned from the routes as they are registered); every answer allows any origin and
 * exposes ETag and Location. /v1 and /api answers also carry `Cache-Control: no-store`.
 */
export function registerCorsPreflight(fastify: FastifyInstance): void {
  const routes = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: false });

  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'OPTIONS' || method === 'HEAD') continue;
      try {
        routes.on(method as HTTPMethod, route.url, () => undefined);
      } catch {
        // the same method and path registered twice (e.g. with and without a trailing slash)
      }
    }
  });

  const methodsOf = (path: string): string[] =>
    PREFLIGHT_METHODS.filter((method) => routes.find(method as HTTPMethod, path) !== null && method !== 'HEAD');

  // synchronous: every request passes here, and only a preflight is answered
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.method !== 'OPTIONS') return done();
    const path = requestPath(request.url);
    const methods = methodsOf(path);
    if (methods.length === 0) return done(); // falls through to the 404 of the surface
    void reply
      .status(204)
      .headers({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': '86400',
      })
      .send();
  });

}

/** The CORS headers of every answer (set from the one `onSend` hook of configure-http.ts). */
export function setCorsHeaders(reply: FastifyReply, surface: Surface): void {
  reply.header('access-control-allow-origin', '*');
  if (surface === 'hono') reply.header('access-control-expose-headers', 'ETag, Location');
  // answers hold credentials, tokens and registry data: no cache keeps them (docs/http.md)
  if (surface === 'hono' || surface === 'ovms') reply.header('cache-control', 'no-store');
}
