import { UsersService } from '@app/auth';
import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { RegistryConfig } from './config/config';

export const FIRST_ADMIN = 'admin';

/** Where the first start on the embedded database puts the generated password of `admin`. */
export const adminPasswordFile = (config: Pick<RegistryConfig, 'dataDir'>): string => join(config.dataDir, 'admin-password');

/** `path` as the user would type it from the working directory (`.data/admin-password`). */
function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere !== '' && !fromHere.startsWith('..') && !isAbsolute(fromHere) ? fromHere : path;
}

/** The generated password: the one already in the file (an earlier start that did not finish), else a new one, mode 600. */
async function generatedPassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return password;
}

/**
 * Makes sure someone can log in after `npm ci && npm start`, and says how: with no operator and no
 * ADMIN_USERNAME, the embedded database gets `admin` with a generated password in DATA_DIR/admin-password;
 * with DATABASE_URL nobody is created and the line says how to create the first admin.
 * Returns the console line about logging in.
 */
export async function ensureFirstAdmin(app: INestApplicationContext, config: RegistryConfig, baseUrl: string): Promise<string> {
  const file = adminPasswordFile(config);
  const curl = `curl -u ${FIRST_ADMIN}:$(cat ${shown(file)}) ${baseUrl}/api/me`;
  if (config.adminUsername !== undefined) return `log in as ${config.adminUsername} with ADMIN_PASSWORD`;
  const users = app.get(UsersService);
  if (config.databaseUrl === undefined) {
    if (await users.createFirstAdmin(FIRST_ADMIN, () => generatedPassword(file))) {
      return `created the operator "${FIRST_ADMIN}"; its password is in ${shown(file)}: ${curl}`;
    }
    if (existsSync(file)) return `log in as ${FIRST_ADMIN} with the password in ${shown(file)}: ${curl}`;
  } else if (!(await users.hasOperators())) {
    return 'no operator exists yet: create the first admin with `npm run cli -- user:create admin --admin` (or start once with ADMIN_USERNAME and ADMIN_PASSWORD)';
  }
  return 'log in with an operator account (npm run cli -- user:create <name> --admin adds one)';
}
