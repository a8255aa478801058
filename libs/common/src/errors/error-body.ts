import { JSON_TYPE } from '../http/json-type';
import { Surface } from './surface';

/** What goes on the wire for one error: status, headers and body, in the surface's own format. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What Hono clients and curl expect on a /v1 401. */
const BASIC_CHALLENGE = 'Basic realm="registry", charset="UTF-8"';
/**
 * For a page's own script: browsers turn a Basic challenge into a native login prompt (which hangs a
 * headless browser and hides the 401 from the page); they do not prompt for Bearer, which we accept too.
 */
const SCRIPT_CHALLENGE = 'Bearer realm="registry"';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** OVMS answers these three with fixed texts; every other /api error is JSON. */
const OVMS_TEXTS: Record<number, string> = {
  401: 'Authentication failed\n',
  403: 'Insufficient rights\n',
  404: 'Unrecognised API call\n',
};

/** OCPI status codes for errors we raise ourselves (2000 client error, 2001 invalid parameters, 3000 server error). */
function ocpiStatusCodeOf(status: number): number {
  if (status === 400) return 2001;
  if (status >= 500) return 3000;
  return 2000;
}

/**
 * The single place where error bodies are made. `message` is for humans; it never carries internals
 * (an unexpected error arrives here as "internal error"). `ocpiStatusCode` overrides the OCPI status code
 * derived from the HTTP status.
 */
export function renderError(surface: Surface, status: number, message: string, ovmsText?: string, ocpiStatusCode?: number): ErrorResponse {
  switch (surface) {
    case 'hono': {
      const headers: Record<string, string> = { 'content-type': JSON_TYPE };
      if (status === 401) headers['www-authenticate'] = BASIC_CHALLENGE;
      return { status, headers, body: JSON.stringify({ error: message }) };
    }
    case 'ovms': {
      const text = ovmsText ?? OVMS_TEXTS[status];
      if (text !== undefined) return { status, headers: { 'content-type': TEXT_TYPE }, body: text };
      return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ error: message }) };
    }
    case 'ocpi':
      return {
        status,
        headers: { 'content-type': JSON_TYPE },
        body: JSON.stringify({
          status_code: ocpiStatusCode ?? ocpiStatusCodeOf(status),
          status_message: message,
          timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        }),
      };
    default:
      return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ error: message }) };
  }
}

/** A request sent by a page's script marks itself so (jQuery, Angular and our Swagger UI send this header). */
export function isScriptRequest(headers: Record<string, string | string[] | undefined>): boolean {
  const mark = headers['x-requested-with'];
  return typeof mark === 'string' && mark.toLowerCase() === 'xmlhttprequest';
}

/** The same error for a page's script: a Basic challenge becomes one that opens no browser login prompt. */
export function forScript(response: ErrorResponse): ErrorResponse {
  if (response.headers['www-authenticate'] !== BASIC_CHALLENGE) return response;
  return { ...response, headers: { ...response.headers, 'www-authenticate': SCRIPT_CHALLENGE } };
}
