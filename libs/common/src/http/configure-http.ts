import type { FastifyInstance } from 'fastify';
import { assertJsonBody, registerBodyParsers } from './json-body';
import { surfaceOf } from '../errors/surface';
import { registerCors } from './cors';
import { registerOcpiHeaders } from './ocpi-headers';
import { requestPath } from './request-path';
import { registerSecurityHeaders } from './security-headers';

/** /api routes that take JSON only (SPEC 4.2); /api/token also takes OVMS's form bodies. */
const JSON_ONLY_API = /^\/api\/(users|peers)(\/|$)/;

/**
 * Everything the three surfaces share below Nest: body parsing, CORS, security headers, OCPI's request and
 * correlation ids.
 * Errors fastify raises itself (bad JSON, body too large) reach the global exception filter through Nest's
 * own fastify error handler.
 */
export function configureHttp(fastify: FastifyInstance): void {
  registerBodyParsers(fastify);
  registerCors(fastify);
  registerSecurityHeaders(fastify);
  registerOcpiHeaders(fastify);
  fastify.addHook('preValidation', async (request) => {
    const surface = surfaceOf(request.url);
    if (surface === 'hono') assertJsonBody(request, 400);
    else if (surface === 'ovms' && JSON_ONLY_API.test(requestPath(request.url))) assertJsonBody(request, 415);
  });
}
