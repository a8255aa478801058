import { SecretCipher } from '@app/common';
import { PasswordHashing, PSK_KEY_INFO, pskAssociatedData, SecretTools } from '@app/credentials';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveSecretKey } from '../config/secret-key';
import { CliCommand, CliError, usageError } from './command';
import { withMigratedDatabase } from './database';
import { exportHono } from './hono/export';
import { Counts, HonoImport, ImportReport, readHonoFiles } from './hono/import';
import { parseOptions } from './operators';
import { Progress } from './progress';

/** Problems printed one per line on stderr; past this many only the count. */
const MAX_PROBLEM_LINES = 1000;

function source(args: string[], command: CliCommand): string {
  if (args.length !== 2 || args[0] !== 'hono') throw usageError(`usage: npm run cli -- ${command.usage}`);
  return resolve(args[1]);
}

/** Wide enough for the longest heading ("would update") and a gap before it. */
const COLUMN = 14;

function summary(report: ImportReport, dryRun: boolean): string[] {
  const row = (name: string, counts: Counts) =>
    `${name.padEnd(12)}${[counts.imported, counts.updated, counts.skipped, counts.failed].map((n) => String(n).padStart(COLUMN)).join('')}`;
  return [
    `${''.padEnd(12)}${[dryRun ? 'would add' : 'imported', dryRun ? 'would update' : 'updated', 'skipped', 'failed'].map((h) => h.padStart(COLUMN)).join('')}`,
    row('tenants', report.tenants),
    row('devices', report.devices),
    row('credentials', report.credentials),
  ];
}

/** `import hono <dir> [--dry-run] [--update] [--batch-size n]` */
export const importCommand: CliCommand = {
  name: 'import',
  usage: 'import hono <dir> [--dry-run] [--update] [--batch-size <n>]',
  summary: "load tenants.json, device-identities.json and credentials.json of Hono's file-based registry (or its example-*.json)",
  needsSecretKey: true,
  async run(args, { config, print }) {
    const { options, positional } = parseOptions(args, ['batch-size'], ['dry-run', 'update']);
    const dir = source(positional, importCommand);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${dir} is not a directory`);
    const files = readHonoFiles(dir); // before any database or key is touched
    const batchSize = Number(options['batch-size']?.[0] ?? 1000);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) throw usageError('--batch-size takes a number from 1 to 10000');
    const dryRun = options['dry-run'] !== undefined;
    const cipher = new SecretCipher(resolveSecretKey(config), PSK_KEY_INFO);
    const hashing = new PasswordHashing(config.bcryptCost);
    const toolsFor = (tenantId: string): SecretTools => ({
      bcryptCost: config.bcryptCost,
      hashPassword: (password) => hashing.hash(password),
      sealPskKey: (key, secretId) => cipher.seal(key, pskAssociatedData(tenantId, secretId)),
    });
    let problems = 0;
    const problem = (line: string) => {
      // on a terminal, the line replaces the progress bar, which is drawn again below it
      if (++problems <= MAX_PROBLEM_LINES) process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}${line}\n`);
    };
    const started = Date.now();
    const report = await withMigratedDatabase(config, (db) =>
      new HonoImport(db, { files, dryRun, update: options.update !== undefined, batchSize }, toolsFor, {
        problem: (line) => problem(`error: ${line}`),
        warning: (line) => problem(`warning: ${line}`),
        progress: (label, total) => new Progress(`${dryRun ? 'checking' : 'importing'} ${label}`, total),
      }).run(),
    );
    if (problems > MAX_PROBLEM_LINES) process.stderr.write(`… and ${problems - MAX_PROBLEM_LINES} more problems\n`);
    const seconds = (Date.now() - started) / 1000;
    print(`import hono ${dir}${dryRun ? ' (dry run: nothing written)' : ''}`);
    for (const line of summary(report, dryRun)) print(line);
    print(`${report.warnings} warnings, ${seconds.toFixed(1)}s`);
    const failed = report.tenants.failed + report.devices.failed + report.credentials.failed;
    if (failed > 0) throw new CliError(`import: ${failed} records failed (listed above)`);
  },
};

/** `export hono <dir>` */
export const exportCommand: CliCommand = {
  name: 'export',
  usage: 'export hono <dir>',
  summary: "write the registry as Hono's file-based registry files (PSK keys decrypted)",
  needsSecretKey: true,
  async run(args, { config, print }) {
    const dir = source(parseOptions(args, [], []).positional, exportCommand);
    const cipher = new SecretCipher(resolveSecretKey(config), PSK_KEY_INFO);
    const started = Date.now();
    const report = await withMigratedDatabase(config, (db) => exportHono(db, dir, cipher));
    print(
      `export hono ${dir}: ${report.tenants} tenants, ${report.devices} devices, ${report.credentials} credentials ` +
        `(${((Date.now() - started) / 1000).toFixed(1)}s)`,
    );
  },
};

