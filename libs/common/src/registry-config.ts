/** The validated configuration of one running service; read once from the environment at start. */
export interface RegistryConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  publicUrl: string;
  adminUsername: string | undefined;
  adminPassword: string | undefined;
  maxBodyBytes: number;
  /**
   * BCRYPT_MAX_COST: the bcrypt cost `pwd-plain` secrets are hashed at, and the highest cost a pre-hashed bcrypt
   * `pwd-hash` may have (Hono's name for the limit; one value so a stored hash never costs more than a new one).
   */
  bcryptCost: number;
  maxDevicesPerTenant: number;
  sessionIdleSeconds: number;
  /** Reverse proxies (addresses, CIDR ranges, or loopback/linklocal/uniquelocal) whose X-Forwarded-For/-Proto are believed. */
  trustProxy: string[];
  secretKey: string | undefined;
  ocpi: {
    partyId: string;
    countryCode: string;
    role: string;
    businessName: string;
    httpTimeoutMs: number;
    /** Whether peer URLs may resolve to loopback, private, link-local or unique-local addresses (tests, labs). */
    allowPrivateNetworks: boolean;
  };
  logLevel: string;
  /** `pretty` (a terminal) or `json` (one JSON object a line) request logs. */
  logFormat: 'pretty' | 'json';
  /** How long to keep trying to reach DATABASE_URL at start before giving up. */
  databaseWaitSeconds: number;
  /** Named (server-side prepared) statements for hot reads; off behind a transaction-mode pooler that cannot keep them. */
  databasePreparedStatements: boolean;
  /** Hono's adapter APIs over AMQP 1.0 (docs/hono-adapters.md): plain and TLS ports (0: off); TLS only with a key and certificate. */
  amqp: { port: number; tlsPort: number; tlsKey: string | undefined; tlsCert: string | undefined };
}

/** Injection token of the RegistryConfig (provided by the application module). */
export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');

/** Injection token of the key that encrypts secrets at rest and keys in-memory hashes (SECRET_KEY or generated). */
export const SECRET_KEY = Symbol('SECRET_KEY');
