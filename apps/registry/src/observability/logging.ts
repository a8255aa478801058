import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';

const QUERY_SECRETS = /([?&](?:password|token|apikey|api_key)=)[^&#]*/gi;
const TOKEN_PATH = /^(\/api\/token\/)[^/?#]+/i;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A URL fit for a log line: query secrets and the token in /api/token/<TOKEN> replaced by "***". */
export function redactUrl(url: string): string {
  return url.replace(TOKEN_PATH, '$1***').replace(QUERY_SECRETS, '$1***');
}

/** The caller's X-Request-ID when it is sane, else a new one; fastify and the logger share it. */
export function requestId(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  (request as IncomingMessage & { id?: string }).id = id;
  return id;
}

/** pino JSON logs, one line per request, with the request id and nothing secret. `stream` lets tests read them. */
export function loggingOptions(level: string, stream?: NodeJS.WritableStream): Params {
  const options = {
    level,
    genReqId: (request: IncomingMessage) => (request as IncomingMessage & { id?: string }).id ?? requestId(request),
    customLogLevel: (_request: IncomingMessage, response: { statusCode: number }, error?: Error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
    serializers: {
      req: (request: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: request.id,
        method: request.method,
        url: redactUrl(request.url),
        remoteAddress: request.remoteAddress,
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    redact: { paths: ['req.headers', 'res.headers', '*.password', '*.token', '*.authorization', '*.cookie'], censor: '***' },
  };
  return {
    // nestjs-pino's default route pattern matches nothing under Nest 12's fastify adapter: no request was logged.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: (stream ? [options, stream] : options) as Params['pinoHttp'],
  };
}
