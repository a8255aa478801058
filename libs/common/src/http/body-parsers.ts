import formbody from '@fastify/formbody';
import Busboy, { type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, RegistryError } from '../errors/registry-errors';
import { parseStrictJson } from './strict-json';

/** `application/json`, with or without parameters such as charset, and `+json` suffixed types. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

const MULTIPART_LIMITS = { fields: 20, fieldSize: 4096, files: 0, parts: 20 };

/**
 * The fields of a `multipart/form-data` body (`curl -F`), already read whole within the body limit;
 * a field given twice becomes a list, as with forms. Files are not accepted.
 */
function multipartFields(request: FastifyRequest, body: Buffer): Promise<Record<string, string | string[]>> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string | string[]> = Object.create(null);
    let failure: Error | undefined;
    const fail = (error: Error) => (failure ??= error);
    let parser: BusboyInstance;
    try {
      parser = new Busboy({ headers: request.headers as BusboyHeaders, limits: MULTIPART_LIMITS });
    } catch {
      return reject(badRequest('malformed multipart/form-data body'));
    }
    parser.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (valueTruncated) return fail(badRequest(`form field "${name}" is longer than ${MULTIPART_LIMITS.fieldSize} bytes`));
      const previous = fields[name];
      fields[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    });
    parser.on('file', (_name: string, stream: NodeJS.ReadableStream) => {
      stream.resume();
      fail(badRequest('file uploads are not accepted'));
    });
    parser.on('filesLimit', () => fail(badRequest('file uploads are not accepted')));
    parser.on('fieldsLimit', () => fail(badRequest(`at most ${MULTIPART_LIMITS.fields} form fields`)));
    parser.on('partsLimit', () => fail(badRequest(`at most ${MULTIPART_LIMITS.parts} form parts`)));
    parser.on('error', () => reject(failure ?? badRequest('malformed multipart/form-data body')));
    parser.on('finish', () => (failure ? reject(failure) : resolve({ ...fields })));
    parser.end(body);
  });
}

/**
 * Body parsing for all surfaces, every body type read whole by fastify within its `bodyLimit`
 * (MAX_BODY_BYTES: 413 before anything else looks at the request). JSON is parsed strictly (an empty
 * body is "no body", not an error); forms become objects; any other content type is read as text so the
 * route can answer in its own format instead of fastify's generic 415.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseStrictJson(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, (body as string) === '' ? undefined : body);
  });
  // OVMS clients send form fields: `curl -d` (urlencoded) and `curl -F` (multipart, fields only).
  void fastify.register(formbody);
  fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, body, done) => {
    multipartFields(request, body as Buffer).then(
      (fields) => done(null, fields),
      (error: Error) => done(error, undefined),
    );
  });
}

/**
 * A JSON-only route's rule: any body, or a Content-Type, other than JSON is refused (also an empty body
 * sent with another type). No body and no Content-Type is fine. Checked twice: the Content-Type before
 * the body is read, a body sent without one after.
 */
export function assertJsonBody(request: FastifyRequest, status: 400 | 415 | undefined, check: 'content-type' | 'body'): void {
  if (status === undefined) return;
  const contentType = request.headers['content-type'];
  const refused =
    check === 'content-type' ? contentType !== undefined && !isJsonContentType(contentType) : contentType === undefined && request.body !== undefined && request.body !== null;
  if (refused) throw new RegistryError(status, 'unsupported content type, expected application/json');
}
