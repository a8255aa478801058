import { CliCommand } from './command';

/**
 * Every command of `npm run cli -- …`, in the order the help lists them. What runs a command is loaded
 * only when it runs, so `help` and a wrong command line answer without loading the application.
 */
export const COMMANDS: CliCommand[] = [
  {
    name: 'migrate',
    usage: 'migrate',
    summary: 'apply pending database migrations to DATABASE_URL, or to the embedded PostgreSQL in DATA_DIR',
    load: async () => (await import('./migrate.command')).runMigrate,
  },
  {
    name: 'user:create',
    usage: 'user:create <username> [--admin] [--tenant <tenant>:read|write]… [--password-stdin]',
    summary: 'create an operator; the password is asked for at a prompt, or read from standard input',
    options: { admin: { type: 'boolean' }, tenant: { type: 'string', multiple: true }, 'password-stdin': { type: 'boolean' } },
    load: async () => (await import('./user-create.command')).runUserCreate,
  },
  {
    name: 'token:create',
    usage: 'token:create <username> [--permit <permit>] [--application <name>] [--purpose <text>]',
    summary: 'create an API token for a user and print it (the OVMS POST /api/token, from the shell)',
    options: { permit: { type: 'string' }, application: { type: 'string' }, purpose: { type: 'string' } },
    load: async () => (await import('./token-create.command')).runTokenCreate,
  },
  {
    name: 'import',
    usage: 'import hono <dir> [--dry-run] [--update] [--batch-size <n>]',
    summary: "load tenants.json, device-identities.json and credentials.json of Hono's file-based registry (or its example-*.json)",
    needsSecretKey: true,
    options: { 'dry-run': { type: 'boolean' }, update: { type: 'boolean' }, 'batch-size': { type: 'string' } },
    load: async () => (await import('./hono.command')).runImport,
  },
  {
    name: 'export',
    usage: 'export hono <dir>',
    summary: "write the registry as Hono's file-based registry files (PSK keys decrypted)",
    needsSecretKey: true,
    load: async () => (await import('./hono.command')).runExport,
  },
];
