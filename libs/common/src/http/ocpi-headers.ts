import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Printable ASCII (spaces allowed), bounded: what we are willing to echo back in a header. */
const ECHOABLE = /^[\x20-\x7e]{1,256}$/;

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && ECHOABLE.test(text) ? text : undefined;
}

/**
 * OCPI 2.2.1's X-Request-ID / X-Correlation-ID on every /ocpi answer, errors and 404s included (set from
 * the one `onSend` hook of configure-http.ts). The X-Request-ID echoed is the request id the log line
 * carries: the caller's when it was sane, else the one we made for it. A sane X-Correlation-ID is echoed;
 * without one the request id stands in.
 */
export function setOcpiHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const requestId = String(request.id ?? randomUUID());
  reply.header('x-request-id', requestId);
  reply.header('x-correlation-id', single(request.headers['x-correlation-id']) ?? requestId);
}
