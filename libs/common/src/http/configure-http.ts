import type { FastifyInstance } from 'fastify';
import { assertJsonBody, registerBodyParsers } from './json-body';
import { surfaceOf } from '../errors/surface';
import { registerCors } from './cors';
import { registerJsonNewline } from './json-newline';
import { registerOcpiHeaders } from './ocpi-headers';

/**
 * Everything the three surfaces share below Nest: body parsing, CORS, OCPI's request and correlation ids,
 * JSON answers that end with a newline.
 * Errors fastify raises itself (bad JSON, body too large) reach the global exception filter through Nest's
 * own fastify error handler.
 */
export function configureHttp(fastify: FastifyInstance): void {
  registerBodyParsers(fastify);
  registerCors(fastify);
  registerOcpiHeaders(fastify);
  registerJsonNewline(fastify);
  fastify.addHook('preValidation', async (request) => {
    if (surfaceOf(request.url) === 'hono') assertJsonBody(request);
  });
}
