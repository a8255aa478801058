import { lookup } from 'node:dns/promises';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { RegistryConfig, withoutPassword } from './config';

/** A start-up failure: the message is one line naming the variable or path, no stack trace. */
export class StartupError extends Error {}

const reason = (error: unknown): string => {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${code}: ${message.replace(/^\w+: /, '')}` : String(message ?? error);
};

/** HOST must name an address of this machine; checked before anything starts. */
export async function checkHost(host: string): Promise<void> {
  try {
    await lookup(host);
  } catch (error) {
    throw new StartupError(`HOST "${host}" is not a known host name or address (${reason(error)})`);
  }
}

/** DATA_DIR must exist or be creatable (mode 700: it holds the cluster and generated secrets) and be writable. */
export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await access(dataDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StartupError(`DATA_DIR ${dataDir} is not a writable directory (${reason(error)})`);
  }
}

/** A line while DATABASE_URL does not answer yet, without its password. */
export const waitingForDatabase = (databaseUrl: string, reason: string): string => `waiting for ${withoutPassword(databaseUrl)}: ${reason}`;

/** DATABASE_URL did not answer within DATABASE_WAIT_SECONDS: the last reason, and the URL without its password. */
export function databaseUnreachable(error: Error, databaseUrl: string): StartupError {
  return new StartupError(`${error.message} (DATABASE_URL=${withoutPassword(databaseUrl)})`);
}

/** Why `listen()` failed, in the words of PORT and HOST. */
export function listenFailure(error: unknown, config: Pick<RegistryConfig, 'port' | 'host'>): StartupError {
  const where = `${config.host}:${config.port}`;
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartupError(`PORT ${config.port} is already in use on HOST ${config.host} (another process listens on ${where})`);
    case 'EACCES':
      return new StartupError(`PORT ${config.port} needs privileges to listen on (${where}); choose a PORT above 1023`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`HOST ${config.host} is not an address of this machine (cannot listen on ${where})`);
    default:
      return new StartupError(`cannot listen on ${where} (PORT, HOST): ${reason(error)}`);
  }
}
