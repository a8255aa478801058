import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../errors/registry-errors';

/** `application/json`, with or without parameters such as charset, and `+json` suffixed types. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Body parsing for all surfaces. JSON is parsed strictly (an empty body is "no body", not an error);
 * forms become objects; any other content type is read as text so the route can answer in its own
 * format instead of fastify's generic 415.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest('request body is not valid JSON'), undefined);
    }
  });
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, (body as string) === '' ? undefined : body);
  });
  // OVMS clients send form fields: `curl -d` (urlencoded) and `curl -F` (multipart, fields only).
  void fastify.register(formbody);
  void fastify.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fields: 20, fieldSize: 4096, files: 0, parts: 20 } });
}

/** Under /v1 every non-empty body must be JSON (Hono answers 400 otherwise). */
export function assertJsonBody(request: FastifyRequest): void {
  if (request.body === undefined || request.body === null) return;
  if (!isJsonContentType(request.headers['content-type'])) {
    throw badRequest('unsupported content type, expected application/json');
  }
}
