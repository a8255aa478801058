import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Errors the services raise. They carry only a human-readable message; the filter renders them in the
 * format of the surface the request came in on. `ovmsText` overrides the fixed OVMS texts where OVMS
 * itself answers with another one (e.g. "Token not specified").
 */
export class RegistryError extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly ovmsText?: string,
    /** Extra response headers (Retry-After on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message, status);
  }
}

/**
 * An OCPI answer that reports a failure inside a successful HTTP exchange: HTTP 200 with an OCPI
 * `status_code` such as 3001/3002/3003 (the callbacks of the credentials handshake failed).
 */
export class OcpiStatusError extends RegistryError {
  constructor(
    readonly ocpiStatusCode: number,
    message: string,
  ) {
    super(HttpStatus.OK, message);
  }
}

export const badRequest = (message: string) => new RegistryError(HttpStatus.BAD_REQUEST, message);
export const unauthorized = (message = 'authentication required') => new RegistryError(HttpStatus.UNAUTHORIZED, message);
export const forbidden = (message: string) => new RegistryError(HttpStatus.FORBIDDEN, message);
export const notFound = (message: string) => new RegistryError(HttpStatus.NOT_FOUND, message);
export const conflict = (message: string) => new RegistryError(HttpStatus.CONFLICT, message);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new RegistryError(HttpStatus.TOO_MANY_REQUESTS, 'too many failed attempts, try again later', undefined, {
    'retry-after': String(retryAfterSeconds),
  });
export const preconditionFailed = (message = 'resource version does not match If-Match') =>
  new RegistryError(HttpStatus.PRECONDITION_FAILED, message);
