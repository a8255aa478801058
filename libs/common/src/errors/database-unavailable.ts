/**
 * Errors that mean "the database is not there right now" (connection refused or cut, server shutting
 * down or starting up): the request may succeed later, so it is answered 503, not 500. Lives here, not
 * in libs/database, because the exception filter needs it and common must not depend on database.
 */
const UNAVAILABLE_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'];
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError, errors } = error as { code?: unknown; message?: unknown; driverError?: unknown; errors?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.includes(code)) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  // TypeORM wraps the driver's error; a failed connect to "localhost" is an AggregateError of both addresses
  if (driverError !== undefined && driverError !== error) return isDatabaseUnavailable(driverError);
  return Array.isArray(errors) && errors.length > 0 && errors.every((inner) => isDatabaseUnavailable(inner));
}
