import type { FastifyReply } from 'fastify';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;
const NEWLINE = 10;

/**
 * Every JSON answer (/v1, /api, /ocpi, /health, errors) ends with a newline, as curl users expect: the
 * shell prompt starts on a line of its own. The one `onSend` hook of configure-http.ts sees the serialised
 * body of all of them; fastify computes content-length after it.
 */
export function withFinalNewline(reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== 'string' || payload === '' || payload.charCodeAt(payload.length - 1) === NEWLINE) return payload;
  const type = reply.getHeader('content-type');
  if (typeof type !== 'string' || !JSON_TYPE.test(type)) return payload;
  const body = `${payload}\n`;
  if (reply.hasHeader('content-length')) reply.header('content-length', Buffer.byteLength(body));
  return body;
}
