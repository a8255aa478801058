/**
 * Client input that only fails deep down: a body that claims to be multipart but is not (the multipart
 * parser throws plain errors), or text PostgreSQL refuses (a NUL byte: 22021, 22P05). Both are the
 * client's fault, so they are a 400, not a 500.
 */
const MULTIPART_MESSAGES = /^(Multipart: |Unexpected end of (multipart data|form)|Malformed part header|Part terminated early)/;
const INVALID_TEXT_CODES = ['22021', '22P05'];

export function isMalformedInput(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError } = error as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof code === 'string' && INVALID_TEXT_CODES.includes(code)) return true;
  if (typeof message === 'string' && MULTIPART_MESSAGES.test(message)) return true;
  return driverError !== undefined && driverError !== error && isMalformedInput(driverError);
}
