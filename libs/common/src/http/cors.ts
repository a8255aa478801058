import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import FindMyWay, { HTTPMethod } from 'find-my-way';
import { surfaceOf } from '../errors/surface';
import { requestPath } from './request-path';

const PREFLIGHT_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];
const ALLOWED_HEADERS = 'Authorization, Content-Type, If-Match';

/**
 * CORS as Hono's registry does it: a preflight needs no credentials and lists the methods the path
 * really has (learned from the routes as they are registered); every answer allows any origin and
 * exposes ETag and Location. /v1 and /api answers also carry `Cache-Control: no-store`.
 */
export function registerCors(fastify: FastifyInstance): void {
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

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'OPTIONS') return;
    const path = requestPath(request.url);
    const methods = methodsOf(path);
    if (methods.length === 0) return; // falls through to the 404 of the surface
    await reply
      .status(204)
      .headers({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': methods.join(', '),
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': '86400',
      })
      .send();
  });

  fastify.addHook('onSend', async (request, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    const surface = surfaceOf(request.url);
    if (surface === 'hono') reply.header('access-control-expose-headers', 'ETag, Location');
    // answers hold credentials, tokens and registry data: no cache keeps them (docs/http.md)
    if (surface === 'hono' || surface === 'ovms') reply.header('cache-control', 'no-store');
    return payload;
  });
}
