import rhea from 'rhea';
import type { Message } from 'rhea';

/** What one operation of a Hono registry API answers: a status, an optional JSON body and caching advice. */
export interface ApiResult {
  status: number;
  body?: unknown;
  /** `max-age = N` or `no-cache` (Hono's `cache_control` property). */
  cacheControl?: string;
  /** The device the answer is about (Hono's `device_id` property), when there is one. */
  deviceId?: string;
  /** The tenant it is about, when the link's address does not say (Tenant API). */
  tenantId?: string;
}

export const maxAge = (seconds: number) => `max-age = ${seconds}`;
export const NO_CACHE = 'no-cache';

/** A client error with Hono's JSON error body `{"description": …}`. */
export const failure = (status: number, description: string): ApiResult => ({ status, body: { description } });

/** A request as the endpoints see it, after the formal checks. */
export interface ApiRequest {
  operation: string;
  tenantId: string | undefined;
  applicationProperties: Record<string, unknown>;
  /** The raw body (a Data section, or an AMQP value given as a string or binary). */
  body: Buffer | undefined;
}

/** Why a request is rejected with `hono:bad-request` before it is processed, or undefined when it passes. */
export function formalProblem(message: Message): string | undefined {
  if (typeof message.subject !== 'string' || message.subject === '') return 'the request has no subject';
  if (typeof message.reply_to !== 'string' || message.reply_to === '') return 'the request has no reply-to address';
  if (message.message_id === undefined && message.correlation_id === undefined) return 'the request has neither message-id nor correlation-id';
  return undefined;
}

/** The body's bytes: one Data section (what Hono's clients send), or a string or binary AMQP value. */
export function bodyOf(message: Message): Buffer | undefined {
  const body = message.body as unknown;
  if (body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const section = body as { typecode?: number; content?: unknown };
  if (section.typecode === 0x75 && Buffer.isBuffer(section.content)) return section.content;
  return undefined;
}

/** A JSON object from the body, or undefined for no body, non-JSON, or JSON that is not an object. */
export function jsonObjectOf(body: Buffer | undefined): Record<string, unknown> | undefined {
  if (body === undefined || body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The response message: `correlation-id` from the request, `status` as an AMQP int (Hono's client drops
 * a response whose status is an unsigned int), `tenant_id`, `device_id` and `cache_control`, and the body
 * as one Data section of `application/json`.
 */
export function responseMessage(request: Message, tenantId: string | undefined, result: ApiResult): Message {
  const properties: Record<string, unknown> = { status: rhea.types.wrap_int(result.status) };
  const tenant = result.tenantId ?? tenantId;
  if (tenant !== undefined) properties.tenant_id = tenant;
  if (result.deviceId !== undefined) properties.device_id = result.deviceId;
  if (result.cacheControl !== undefined) properties.cache_control = result.cacheControl;
  const response = {
    correlation_id: request.correlation_id ?? request.message_id,
    application_properties: properties,
  } as Message;
  if (result.body !== undefined) {
    response.content_type = 'application/json';
    response.body = rhea.message.data_section(Buffer.from(JSON.stringify(result.body), 'utf8'));
  }
  return response;
}

/** A notification for subscribers of `address` (Hono's AMQP notification sender: JSON in a Data section). */
export function notificationMessage(address: string, json: string): Message {
  return {
    to: address,
    durable: true,
    content_type: 'application/json',
    body: rhea.message.data_section(Buffer.from(json, 'utf8')),
  };
}
