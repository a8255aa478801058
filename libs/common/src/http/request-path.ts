/** `http://host:port` in front of an absolute-form request target (RFC 9112 3.2.2). */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

function decoded(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // a malformed escape: the router answers it with a 400 anyway
  }
}

/**
 * The path a request targets as the router sees it: without the scheme and host of an absolute-form
 * target (`POST http://x/v1/tenants/t`), without the query, percent-escapes decoded (`/api/%74oken`
 * is routed to /api/token). Every rule that depends on the path reads it from here.
 */
export function requestPath(url: string): string {
  let path = url;
  if (path.charCodeAt(0) !== 0x2f) path = path.replace(ABSOLUTE_FORM, '') || '/';
  const query = path.indexOf('?');
  if (query >= 0) path = path.slice(0, query);
  return decoded(path);
}

/** The query string of a request target (without the `?`), '' when there is none. */
export function requestQuery(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? '' : url.slice(query + 1);
}
