/**
 * Client input that only fails deep down: text PostgreSQL refuses (a NUL byte: 22021, 22P05). It is the
 * client's fault, so it is a 400, not a 500. (Malformed multipart bodies are a 400 from the body parser.)
 */
const INVALID_TEXT_CODES = ['22021', '22P05'];

export function isMalformedInput(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: unknown };
  if (typeof code === 'string' && INVALID_TEXT_CODES.includes(code)) return true;
  return driverError !== undefined && driverError !== error && isMalformedInput(driverError);
}
