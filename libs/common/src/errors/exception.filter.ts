import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isMalformedInput } from './malformed-input';
import { isDatabaseUnavailable } from './database-unavailable';
import { ErrorResponse, forScript, isScriptRequest, renderError } from './error-body';
import { OcpiStatusError, RegistryError } from './registry-errors';
import { surfaceOf } from './surface';

const logger = new Logger('Errors');

/** Messages fastify gives its own client errors, rewritten in the words a registry user expects. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type, expected application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body must not be empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content-length does not match the body',
  FST_ERR_BAD_URL: 'malformed URL',
};

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/**
 * Turns anything thrown while serving a request into the error format of the request's surface.
 * Client errors keep their message; anything unexpected is logged with the request id and answered
 * as a bare 500.
 */
export function errorResponseFor(error: unknown, request: FastifyRequest): ErrorResponse {
  const response = render(error, request);
  return isScriptRequest(request.headers) ? forScript(response) : response;
}

function render(error: unknown, request: FastifyRequest): ErrorResponse {
  const surface = surfaceOf(request.url);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) logger.error({ err: error, reqId: request.id }, 'request failed');
    const response = error.getResponse();
    if (surface === 'plain' && typeof response === 'object' && !('message' in response)) {
      // structured answers such as the health report keep their shape
      return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(response) };
    }
    if (error instanceof RegistryError) {
      const ocpiStatusCode = error instanceof OcpiStatusError ? error.ocpiStatusCode : undefined;
      const rendered = renderError(surface, status, messageOf(error), error.ovmsText, ocpiStatusCode);
      return { ...rendered, headers: { ...rendered.headers, ...error.headers } };
    }
    return renderError(surface, status, messageOf(error));
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const message = FASTIFY_MESSAGES[fastifyError.code ?? ''] ?? fastifyError.message ?? 'bad request';
    return renderError(surface, fastifyError.statusCode, message);
  }
  if (isMalformedInput(error)) return renderError(surface, 400, 'malformed request: the body or a value cannot be read');
  if (isDatabaseUnavailable(error)) {
    // PostgreSQL is down or restarting: the pool reconnects by itself, the client may retry
    logger.warn({ err: { message: (error as Error).message, code: (error as { code?: string }).code }, reqId: request.id }, 'database unavailable');
    const response = renderError(surface, 503, 'database unavailable, try again later');
    return { ...response, headers: { ...response.headers, 'retry-after': '5' } };
  }
  logger.error({ err: error, reqId: request.id }, 'unexpected error');
  return renderError(surface, 500, 'internal error');
}

export function sendError(reply: FastifyReply, response: ErrorResponse): void {
  reply.status(response.status).headers(response.headers).send(response.body);
}

@Catch()
export class SurfaceExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (reply.sent) return;
    sendError(reply, errorResponseFor(exception, request));
  }
}
