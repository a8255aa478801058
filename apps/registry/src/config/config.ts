import { OCPI_ROLES, RegistryConfig } from '@app/common';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

export { REGISTRY_CONFIG, type RegistryConfig } from '@app/common';

/** A bad configuration value; its message is one line naming the variable. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function text(env: Env, name: string, fallback: string, pattern?: RegExp, hint?: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (pattern && !pattern.test(raw)) throw new ConfigError(`${name} ${hint}, got "${raw}"`);
  return raw;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  return value === 'true';
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function url(env: Env, name: string, fallback: string | undefined, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${withoutPassword(raw)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: a comma list of addresses, CIDR ranges (`10.0.0.0/8`) or loopback/linklocal/uniquelocal. */
function proxies(env: Env, name: string): string[] {
  const raw = optional(env, name);
  if (raw === undefined) return [];
  return raw.split(',').map((entry) => {
    const proxy = entry.trim();
    const [address, bits, ...rest] = proxy.split('/');
    const version = isIP(address);
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 6 ? 128 : 32));
    if (PROXY_NAMES.includes(proxy) || (version !== 0 && validBits && rest.length === 0)) return proxy;
    throw new ConfigError(`${name} must be a comma list of proxy addresses or CIDR ranges (or ${PROXY_NAMES.join(', ')}), got "${proxy}"`);
  });
}

/** The URL without its password, for messages. */
export function withoutPassword(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/** `tty`: whether stdout is a terminal (the default LOG_FORMAT is pretty there, JSON elsewhere). */
export function loadConfig(env: Env = process.env, cwd = process.cwd(), tty = process.stdout.isTTY === true): RegistryConfig {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const databaseUrl = url(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  const dataDirRaw = text(env, 'DATA_DIR', './.data');
  const secretKey = optional(env, 'SECRET_KEY');
  if (secretKey !== undefined && secretKey.length < 32) {
    throw new ConfigError('SECRET_KEY must be at least 32 characters (64 hex digits or a long random string)');
  }
  if (databaseUrl !== undefined && secretKey === undefined) {
    throw new ConfigError('SECRET_KEY is required with DATABASE_URL (generate one with: openssl rand -hex 32)');
  }
  const adminUsername = optional(env, 'ADMIN_USERNAME');
  const adminPassword = optional(env, 'ADMIN_PASSWORD');
  if ((adminUsername === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(`${adminUsername === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD'} must be set together with the other`);
  }
  const amqpTlsKey = optional(env, 'AMQP_TLS_KEY');
  const amqpTlsCert = optional(env, 'AMQP_TLS_CERT');
  if ((amqpTlsKey === undefined) !== (amqpTlsCert === undefined)) {
    throw new ConfigError(`AMQP_TLS_KEY and AMQP_TLS_CERT must be set together (${amqpTlsKey === undefined ? 'AMQP_TLS_KEY' : 'AMQP_TLS_CERT'} is missing)`);
  }
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:'])!.replace(/\/+$/, '');
  return {
    databaseUrl,
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw),
    port,
    host: text(env, 'HOST', '0.0.0.0'),
    publicUrl,
    adminUsername,
    adminPassword,
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 16000, 64, 100 * 1024 * 1024),
    bcryptCost: integer(env, 'BCRYPT_MAX_COST', 10, 4, 31),
    maxDevicesPerTenant: integer(env, 'MAX_DEVICES_PER_TENANT', -1, -1),
    sessionIdleSeconds: integer(env, 'SESSION_IDLE_SECONDS', 180, 1),
    trustProxy: proxies(env, 'TRUST_PROXY'),
    secretKey,
    ocpi: {
      partyId: text(env, 'OCPI_PARTY_ID', 'REG', /^[A-Za-z0-9]{3}$/, 'must be 3 letters or digits'),
      countryCode: text(env, 'OCPI_COUNTRY_CODE', 'NL', /^[A-Za-z]{2}$/, 'must be 2 letters'),
      role: text(env, 'OCPI_ROLE', 'CPO', new RegExp(`^(${OCPI_ROLES.join('|')})$`), `must be one of ${OCPI_ROLES.join(', ')}`),
      businessName: text(env, 'OCPI_BUSINESS_NAME', 'Device Registry', /^.{1,100}$/, 'must be 1 to 100 characters'),
      httpTimeoutMs: integer(env, 'OCPI_HTTP_TIMEOUT_MS', 10000, 1, 600000),
      allowPrivateNetworks: boolean(env, 'OCPI_ALLOW_PRIVATE_NETWORKS', false),
    },
    logLevel: text(env, 'LOG_LEVEL', 'info', new RegExp(`^(${LOG_LEVELS.join('|')})$`), `must be one of ${LOG_LEVELS.join(', ')}`),
    logFormat: text(env, 'LOG_FORMAT', tty ? 'pretty' : 'json', /^(pretty|json)$/, 'must be pretty or json') as 'pretty' | 'json',
    databaseWaitSeconds: integer(env, 'DATABASE_WAIT_SECONDS', 30, 0, 3600),
    databasePreparedStatements: boolean(env, 'DATABASE_PREPARED_STATEMENTS', true),
    amqp: {
      port: integer(env, 'AMQP_PORT', 5672, 0, 65535),
      tlsPort: integer(env, 'AMQPS_PORT', 5671, 0, 65535),
      tlsKey: amqpTlsKey,
      tlsCert: amqpTlsCert,
    },
  };
}
