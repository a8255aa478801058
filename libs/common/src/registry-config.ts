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
  bcryptMaxCost: number;
  maxDevicesPerTenant: number;
  sessionIdleSeconds: number;
  secretKey: string | undefined;
  ocpi: { partyId: string; countryCode: string; role: string; businessName: string; httpTimeoutMs: number };
  logLevel: string;
  /** `pretty` (a terminal) or `json` (one JSON object a line) request logs. */
  logFormat: 'pretty' | 'json';
  /** How long to keep trying to reach DATABASE_URL at start before giving up. */
  databaseWaitSeconds: number;
}

/** Injection token of the RegistryConfig (provided by the application module). */
export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');

/** Injection token of the key that encrypts secrets at rest and keys in-memory hashes (SECRET_KEY or generated). */
export const SECRET_KEY = Symbol('SECRET_KEY');
