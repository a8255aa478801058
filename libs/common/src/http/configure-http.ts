import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assertJsonBody, registerBodyParsers } from './body-parsers';
import { surfaceOf } from '../errors/surface';
import { registerCorsPreflight, setCorsHeaders } from './cors';
import { withFinalNewline } from './json-newline';
import { setOcpiHeaders } from './ocpi-headers';
import { requestPath } from './request-path';
import { registerSecurityHeaders } from './security-headers';

/** /api routes that take JSON only (docs/http.md); /api/token also takes OVMS's form bodies. */
const JSON_ONLY_API = /^\/api\/(users|peers)(\/|$)/;

/** The status a JSON-only route answers another body type with: 400 under /v1 (3.2), 415 under /api (4.2). */
function jsonOnlyStatus(request: FastifyRequest): 400 | 415 | undefined {
  const surface = surfaceOf(request.url);
  if (surface === 'hono') return 400;
  if (surface === 'ovms' && JSON_ONLY_API.test(requestPath(request.url))) return 415;
  return undefined;
}

/** The headers and body ending every answer gets, in one synchronous hook (each hook costs on every read). */
function finishAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
  const surface = surfaceOf(request.url);
  setCorsHeaders(reply, surface);
  if (surface === 'ocpi') setOcpiHeaders(request, reply);
  done(null, withFinalNewline(reply, payload));
}

/**
 * Everything the three surfaces share below Nest: body parsing, cookies, CORS, security headers, OCPI's request
 * and correlation ids, JSON answers that end with a newline. The hooks are synchronous: an async hook costs a
 * promise and a tick on every request.
 * Errors fastify raises itself (bad JSON, body too large) reach the global exception filter through Nest's
 * own fastify error handler.
 */
export function configureHttp(fastify: FastifyInstance): void {
  registerBodyParsers(fastify);
  // request.cookies for the session cookie's strategy, and the Set-Cookie serializer
  void fastify.register(cookie);
  registerCorsPreflight(fastify);
  registerSecurityHeaders(fastify);
  // before parsing: a JSON-only route does not read (or fail on) a form or multipart body at all
  // (reads carry neither a Content-Type nor a body: they skip both checks at the cost of one comparison)
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.headers['content-type'] === undefined) return done(null, payload);
    try {
      assertJsonBody(request, jsonOnlyStatus(request), 'content-type');
      done(null, payload);
    } catch (error) {
      done(error as Error, payload);
    }
  });
  fastify.addHook('onSend', finishAnswer);
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined) return done();
    try {
      assertJsonBody(request, jsonOnlyStatus(request), 'body');
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}
