import { REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { fetch, type Response } from 'undici';
import { OcpiStatus, otherEncoding, TokenEncoding } from './ocpi-versions';
import { pinnedDispatcher, RefusedAddressError, vetPeerHost } from './peer-addresses';
import { authorizationHeader } from './peer-tokens';

/** Answers larger than this are not read (a credentials handshake exchanges a few hundred bytes). */
const MAX_ANSWER_BYTES = 1024 * 1024;

export type PeerCallFailure = 'refused-address' | 'unreachable' | 'timeout' | 'http' | 'not-json' | 'not-ocpi' | 'status';

/** A call to a peer that did not end in an OCPI success. The message names the call, never a token. */
export class PeerCallError extends Error {
  constructor(
    readonly failure: PeerCallFailure,
    message: string,
    /** The HTTP status of the answer, when there was one. */
    readonly httpStatus?: number,
    /** The OCPI status_code of the answer, when it had one. */
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

export interface OcpiCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  token: string;
  /** The encoding tried first; on HTTP 401 or 403 the call is repeated once with the other one. */
  encoding: TokenEncoding;
  body?: unknown;
  /** X-Correlation-ID of the whole exchange; every call gets a fresh X-Request-ID. */
  correlationId: string;
}

export interface OcpiAnswer {
  data: unknown;
  /** The encoding the peer accepted. */
  encoding: TokenEncoding;
}

/** The call as it may appear in a message or a log line: method and URL without its query. */
export function describeCall(method: string, url: string): string {
  try {
    const parsed = new URL(url);
    return `${method} ${parsed.origin}${parsed.pathname}`;
  } catch {
    return method;
  }
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new Error('answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Some peers quote the token they refused in their status_message: it must not reach our logs or answers. */
function withoutTokens(message: string, call: OcpiCall): string {
  const offered = (call.body as { token?: unknown } | undefined)?.token;
  const tokens = [call.token, ...(typeof offered === 'string' ? [offered] : [])];
  let clean = message;
  for (const token of tokens) {
    for (const form of [token, Buffer.from(token, 'utf8').toString('base64'), Buffer.from(token, 'utf8').toString('base64').replace(/=+$/, '')]) {
      if (form.length >= 4) clean = clean.split(form).join('***');
    }
  }
  return clean;
}

const isTimeout = (error: unknown): boolean => (error as { name?: string })?.name === 'TimeoutError';

/** What went wrong on the wire, for our log and last_error only (never for the peer), and bounded. */
function unreachableReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause ?? (error as { code?: string; message?: string });
  return String(cause?.code ?? cause?.message ?? 'connection failed').slice(0, 100);
}

/** Rejects with the signal's reason when it aborts first (DNS has no time-out of its own we could set). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** A retry with the other encoding helps only when the peer refused the token. */
const refusedToken = (error: unknown): boolean => error instanceof PeerCallError && (error.httpStatus === 401 || error.httpStatus === 403);

/**
 * Outbound OCPI calls: `Authorization: Token …` in the requested encoding (once more in the other on a 401
 * or 403), the OCPI request and correlation ids, an explicit time-out per call (OCPI_HTTP_TIMEOUT_MS, name
 * resolution and body included), no redirects (they would carry the token elsewhere), only to the addresses
 * the host resolved to and that we checked (no private networks unless OCPI_ALLOW_PRIVATE_NETWORKS), and the
 * envelope checked: anything but an OCPI 1000 is a PeerCallError.
 */
@Injectable()
export class OcpiClient {
  private readonly logger = new Logger('Peering');

  constructor(@Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig) {}

  async call(call: OcpiCall): Promise<OcpiAnswer> {
    try {
      return await this.once(call, call.encoding);
    } catch (error) {
      if (!refusedToken(error)) throw error;
      return this.once(call, otherEncoding(call.encoding));
    }
  }

  private async once(call: OcpiCall, encoding: TokenEncoding): Promise<OcpiAnswer> {
    const what = describeCall(call.method, call.url);
    const timeoutMs = this.config.ocpi.httpTimeoutMs;
    const headers: Record<string, string> = {
      authorization: authorizationHeader(call.token, encoding),
      accept: 'application/json',
      'x-request-id': randomUUID(),
      'x-correlation-id': call.correlationId,
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const started = Date.now();
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number;
    let text: string;
    try {
      const url = new URL(call.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedAddressError(`${url.protocol} is not http(s)`);
      // checked on every call, and the connection goes to exactly the addresses checked
      const dispatcher = pinnedDispatcher(await abortable(vetPeerHost(url, this.config.ocpi.allowPrivateNetworks), signal));
      try {
        const response = await fetch(url, {
          method: call.method,
          headers,
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          redirect: 'manual',
          signal,
          dispatcher,
        });
        status = response.status;
        text = await readLimited(response);
      } finally {
        void dispatcher.destroy().catch(() => undefined);
      }
    } catch (error) {
      const failure = isTimeout(error) ? 'timeout' : error instanceof RefusedAddressError ? 'refused-address' : 'unreachable';
      this.logger.warn({ call: what, ms: Date.now() - started, failure }, 'ocpi call failed');
      if (failure === 'timeout') throw new PeerCallError('timeout', `${what}: no answer within ${timeoutMs} ms`);
      if (failure === 'refused-address') throw new PeerCallError('refused-address', `${what}: not called: ${(error as Error).message}`);
      if ((error as Error)?.message === 'answer too large') throw new PeerCallError('not-ocpi', `${what}: answer larger than ${MAX_ANSWER_BYTES} bytes`);
      throw new PeerCallError('unreachable', `${what}: peer unreachable (${unreachableReason(error)})`);
    }
    this.logger.log({ call: what, status, ms: Date.now() - started, encoding }, 'ocpi call');
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch {
      envelope = undefined;
    }
    const statusCode = (envelope as { status_code?: unknown } | undefined)?.status_code;
    const statusMessage = (envelope as { status_message?: unknown } | undefined)?.status_message;
    const said = typeof statusMessage === 'string' && statusMessage !== '' ? ` (${withoutTokens(statusMessage.slice(0, 200), call)})` : '';
    if (status < 200 || status > 299) {
      const ocpi = typeof statusCode === 'number' ? `, status_code ${statusCode}${said}` : '';
      throw new PeerCallError('http', `${what}: HTTP ${status}${ocpi}`, status, typeof statusCode === 'number' ? statusCode : undefined);
    }
    if (envelope === undefined) throw new PeerCallError('not-json', `${what}: the answer is not JSON`, status);
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || typeof statusCode !== 'number') {
      throw new PeerCallError('not-ocpi', `${what}: the answer is not an OCPI response (no status_code)`, status);
    }
    if (statusCode !== OcpiStatus.SUCCESS) {
      throw new PeerCallError('status', `${what}: status_code ${statusCode}${said}`, status, statusCode);
    }
    return { data: (envelope as { data?: unknown }).data, encoding };
  }
}
