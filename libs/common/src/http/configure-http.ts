import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertJsonBody, registerBodyParsers } from './json-body';
import { surfaceOf } from '../errors/surface';
import { registerCors } from './cors';
import { registerJsonNewline } from './json-newline';
import { registerOcpiHeaders } from './ocpi-headers';
import { requestPath } from './request-path';
import { registerSecurityHeaders } from './security-headers';

/** /api routes that take JSON only (SPEC 4.2); /api/token also takes OVMS's form bodies. */
const JSON_ONLY_API = /^\/api\/(users|peers)(\/|$)/;

/** The status a JSON-only route answers another body type with: 400 under /v1 (3.2), 415 under /api (4.2). */
function jsonOnlyStatus(request: FastifyRequest): 400 | 415 | undefined {
  const surface = surfaceOf(request.url);
  if (surface === 'hono') return 400;
  if (surface === 'ovms' && JSON_ONLY_API.test(requestPath(request.url))) return 415;
  return undefined;
}

/**
 * Everything the three surfaces share below Nest: body parsing, cookies, CORS, security headers, OCPI's request and
 * correlation ids, JSON answers that end with a newline.
 * Errors fastify raises itself (bad JSON, body too large) reach the global exception filter through Nest's
 * own fastify error handler.
 */
export function configureHttp(fastify: FastifyInstance): void {
  registerBodyParsers(fastify);
  // request.cookies for the session cookie's strategy, and the Set-Cookie serializer
  void fastify.register(cookie);
  registerCors(fastify);
  registerSecurityHeaders(fastify);
  registerOcpiHeaders(fastify);
  // before parsing: a JSON-only route does not read (or fail on) a form or multipart body at all
  // (reads carry neither a Content-Type nor a body: they skip both checks at the cost of one comparison)
  fastify.addHook('preParsing', async (request) => {
    if (request.headers['content-type'] !== undefined) assertJsonBody(request, jsonOnlyStatus(request), 'content-type');
  });
  registerJsonNewline(fastify);
  fastify.addHook('preValidation', async (request) => {
    if (request.body !== undefined) assertJsonBody(request, jsonOnlyStatus(request), 'body');
  });
}
