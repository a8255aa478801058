import { SECRET_KEY, SecretCipher } from '@app/common';
import { CredentialsRepository, CredentialsService, PSK_KEY_INFO } from '@app/credentials';
import { Database, RegistryEvents } from '@app/database';
import { DevicesRepository } from '@app/devices';
import { TenantsRepository } from '@app/tenants';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliArguments, CliCommand, CliError, CommandRun, flag, stringOption, usageError } from './command';
import { withApplication } from './database';
import { exportHono } from './hono/export';
import { Counts, HonoImport, ImportReport, readHonoFiles } from './hono/import';
import { ProgressOutput } from './progress';

/** Problems printed one per line on stderr; past this many only the count. */
const MAX_PROBLEM_LINES = 1000;

function source({ positionals }: CliArguments, command: CliCommand): string {
  if (positionals.length !== 2 || positionals[0] !== 'hono') throw usageError(`usage: npm run cli -- ${command.usage}`);
  return resolve(positionals[1]);
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
export const runImport: CommandRun = async (args, { config, print }, command) => {
  const dir = source(args, command);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${dir} is not a directory`);
  const files = readHonoFiles(dir); // before any database or key is touched
  const batchSize = Number(stringOption(args, 'batch-size') ?? 1000);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10000) throw usageError('--batch-size takes a number from 1 to 10000');
  const dryRun = flag(args, 'dry-run');
  const output = new ProgressOutput();
  let problems = 0;
  const problem = (line: string) => {
    // on a terminal, above the progress bar
    if (++problems <= MAX_PROBLEM_LINES) output.log(line);
  };
  const started = Date.now();
  const report = await withApplication(config, (app) => {
    const services = {
      db: app.get(Database),
      tenants: app.get(TenantsRepository),
      devices: app.get(DevicesRepository),
      credentials: app.get(CredentialsRepository),
      events: app.get(RegistryEvents),
    };
    // secrets are stored exactly as the credentials API stores them
    const credentials = app.get(CredentialsService);
    return new HonoImport(services, { files, dryRun, update: flag(args, 'update'), batchSize }, (tenantId) => credentials.secretTools(tenantId), {
      problem: (line) => problem(`error: ${line}`),
      warning: (line) => problem(`warning: ${line}`),
      progress: (label, total) => output.start(`${dryRun ? 'checking' : 'importing'} ${label}`, total),
    }).run();
  });
  if (problems > MAX_PROBLEM_LINES) process.stderr.write(`… and ${problems - MAX_PROBLEM_LINES} more problems\n`);
  const seconds = (Date.now() - started) / 1000;
  print(`import hono ${dir}${dryRun ? ' (dry run: nothing written)' : ''}`);
  for (const line of summary(report, dryRun)) print(line);
  print(`${report.warnings} warnings, ${seconds.toFixed(1)}s`);
  const failed = report.tenants.failed + report.devices.failed + report.credentials.failed;
  if (failed > 0) throw new CliError(`import: ${failed} records failed (listed above)`);
};

/** `export hono <dir>` */
export const runExport: CommandRun = async (args, { config, print }, command) => {
  const dir = source(args, command);
  const started = Date.now();
  const report = await withApplication(config, (app) => exportHono({ tenants: app.get(TenantsRepository), devices: app.get(DevicesRepository), credentials: app.get(CredentialsRepository) }, dir, new SecretCipher(app.get<string>(SECRET_KEY), PSK_KEY_INFO)));
  print(
    `export hono ${dir}: ${report.tenants} tenants, ${report.devices} devices, ${report.credentials} credentials ` +
      `(${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );
};

