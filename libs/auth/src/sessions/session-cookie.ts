import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'ovmsapisession';

/**
 * The session cookie's Set-Cookie, in the attribute order clients of this service already see
 * (`Path=/; HttpOnly; SameSite=Lax; Secure`, then `Max-Age=0` on logout); the attributes come from
 * @fastify/cookie's serializer, which would put Secure before SameSite and Max-Age first (docs/operators.md).
 * `Secure` when the public URL is https, or when this request came over TLS: directly, or through a
 * TRUST_PROXY proxy that says `X-Forwarded-Proto: https` (fastify believes that header only from them).
 */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, publicUrl: string, sessionId: string | undefined): void {
  const cookie = request.server.serializeCookie(SESSION_COOKIE, sessionId ?? '', { path: '/', httpOnly: true, sameSite: 'lax' });
  const secure = publicUrl.startsWith('https:') || request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${cookie}${secure}${sessionId === undefined ? '; Max-Age=0' : ''}`);
}
