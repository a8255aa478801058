// The baseline of the read benchmark: a minimal node:http + pg server answering GET /v1/devices/{t}/{d} like the
// service does — same JSON (stored body + status), same ETag, same Basic token check (username + API
// token; SHA-256 of the token looked up in api_tokens with its owner and tenant grant, then cached).
// Usage: DATABASE_URL=… PORT=… node bench/baseline-server.js (prints "listening <port>" when ready).
const { createHash } = require('node:crypto');
const { createServer } = require('node:http');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const CACHE_MS = 60_000;
/** authorization header → { username, admin, tenants, until } */
const cache = new Map();

const formatTimestamp = (value) => new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function principal(header) {
  const cached = cache.get(header);
  if (cached && cached.until > Date.now()) return cached;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const token = decoded.slice(colon + 1);
  const { rows } = await pool.query({
    name: 'token-owner',
    text: `SELECT u.username, u.admin, coalesce(array_agg(ut.tenant_id) FILTER (WHERE ut.tenant_id IS NOT NULL), '{}') AS tenants
             FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN user_tenants ut ON ut.user_id = u.id
            WHERE t.token_hash = $1 AND u.enabled GROUP BY u.id`,
    values: [createHash('sha256').update(token).digest('hex')],
  });
  const row = rows[0];
  if (!row || row.username.toLowerCase() !== username.toLowerCase()) return undefined;
  const found = { username: row.username, admin: row.admin, tenants: new Set(row.tenants), until: Date.now() + CACHE_MS };
  cache.set(header, found);
  return found;
}

// JSON answers end with a newline, as the service's do
function send(res, status, json, headers = {}) {
  const body = `${json}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const server = createServer(async (req, res) => {
  try {
    const match = /^\/v1\/devices\/([^/?]+)\/([^/?]+)$/.exec(req.url);
    if (req.method !== 'GET' || !match) return send(res, 404, '{"error":"not found"}');
    const user = await principal(req.headers.authorization);
    if (!user) return send(res, 401, '{"error":"unauthorized"}', { 'www-authenticate': 'Basic realm="registry"' });
    const tenant = decodeURIComponent(match[1]);
    const id = decodeURIComponent(match[2]);
    if (!user.admin && !user.tenants.has(tenant)) return send(res, 403, '{"error":"forbidden"}');
    const { rows } = await pool.query({
      name: 'device-find',
      text: 'SELECT body::text AS body, version, created, updated FROM devices WHERE tenant_id = $1 AND id = $2',
      values: [tenant, id],
    });
    const device = rows[0];
    if (!device) return send(res, 404, '{"error":"not found"}');
    const status = { created: formatTimestamp(device.created) };
    if (device.updated) status.updated = formatTimestamp(device.updated);
    const inner = device.body.slice(1, -1).trim();
    send(res, 200, `{${inner}${inner === '' ? '' : ','}"status":${JSON.stringify(status)}}`, { etag: `"${device.version}"` });
  } catch (error) {
    send(res, 503, JSON.stringify({ error: String(error.message) }));
  }
});

server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
