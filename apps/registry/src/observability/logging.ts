import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { requestPath, requestQuery } from '@app/common';
import pino, { type Level, type Logger } from 'pino';
import pinoPretty, { type PrettyOptions } from 'pino-pretty';

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
 * A request target fit for a log line (docs/http.md): the decoded path as the router sees it, with the token
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

/** A request line of `logRequests` as one short line; any other entry by its message. */
interface LogEntry {
  req?: { id: string; method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
  context?: string;
  [key: string]: unknown;
}

function prettyMessage(entry: LogEntry, messageKey: string): string {
  const { req, res, responseTime } = entry;
  if (req && res) return `${req.method} ${req.url} → ${res.statusCode} in ${responseTime} ms  (${req.id})`;
  return entry.context ? `[${entry.context}] ${entry[messageKey]}` : String(entry[messageKey]);
}

/**
 * The service's one pino logger, nothing secret in it: JSON lines on stdout (or `stream`, which tests
 * read), or with `format` pretty, one readable line an entry (colours on a terminal).
 */
export function createLogger(level: string, stream?: NodeJS.WritableStream, format: 'pretty' | 'json' = 'json'): Logger {
  const options = {
    level,
    serializers: { err: pino.stdSerializers.err },
    redact: { paths: ['*.password', '*.token', '*.authorization', '*.cookie', '*.headers'], censor: '***' },
  };
  if (format === 'pretty') {
    const output = stream ?? process.stdout;
    const pretty = pinoPretty({
      destination: output,
      sync: true,
      colorize: stream === undefined && process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,req,res,responseTime,context',
      messageFormat: prettyMessage as PrettyOptions['messageFormat'],
    });
    return pino(options, pretty);
  }
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

/** Nest's own start-up chatter (modules loaded, every route mapped, "successfully started"): debug, not info. */
const NEST_START_UP = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

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
    this.write(NEST_START_UP.has(rest.at(-1) as string) ? 'debug' : 'info', message, rest);
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
