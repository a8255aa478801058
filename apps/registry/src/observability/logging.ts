import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { requestPath, requestQuery } from '@app/common';
import pino, { type Level, type Logger } from 'pino';

const TOKEN_PATH = /^(\/api\/token\/)[^/]+/i;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * A request target fit for a log line (SPEC 4.2): the decoded path as the router sees it, with the token
 * of /api/token/<TOKEN> replaced by "***", and the decoded names of the query parameters, never their
 * values (`/api/me?username&password`), however the secrets were spelled.
 */
export function redactUrl(url: string): string {
  const path = requestPath(url).replace(TOKEN_PATH, '$1***');
  const query = requestQuery(url);
  if (query === '') return path;
  const names = query.split('&').map((pair) => decodedName(pair.split('=', 1)[0]));
  return `${path}?${names.join('&')}`;
}

/** The caller's X-Request-ID when it is sane, else a new one (fastify's `genReqId`). */
export function requestId(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** The service's one pino logger: JSON lines on stdout (or `stream`, which tests read), nothing secret. */
export function createLogger(level: string, stream?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    serializers: { err: pino.stdSerializers.err },
    redact: { paths: ['*.password', '*.token', '*.authorization', '*.cookie', '*.headers'], censor: '***' },
  };
  return stream ? pino(options, stream) : pino(options);
}

/**
 * One line per answered request, written from fastify's `onResponse` hook: request id, method,
 * redacted URL, status and time; 5xx at error and 4xx at warn level.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const statusCode = reply.statusCode;
    const level: Level = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          req: { id: request.id, method: request.method, url: redactUrl(request.url), remoteAddress: request.ip },
          res: { statusCode },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
}

/**
 * Nest's logger interface on pino. Nest passes the logger's context as the last argument; a first
 * argument that is an object becomes the line's fields (`logger.warn({ reqId }, 'text')`).
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (rest.length > 0) fields.context = rest.at(-1);
    const [text] = rest.slice(0, -1).filter((value) => value !== undefined);
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, typeof text === 'string' ? text : message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message }, typeof text === 'string' ? text : undefined);
    } else if (level === 'error' && typeof text === 'string' && /\n\s*at /.test(text)) {
      // Nest's own exception handlers call error(message, stack)
      this.logger.error({ ...fields, err: { message: String(message), stack: text } }, String(message));
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
