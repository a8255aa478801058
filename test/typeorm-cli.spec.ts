/**
 * The TypeORM CLI on the project, as processes, the way docs/database.md tells a developer to use it:
 * `npm run cli -- migrate`, then `npm run typeorm -- schema:log` and `migration:generate <path>`.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, MigrationInterface } from 'typeorm';
import { dataSourceOptions } from '../apps/registry/src/database/data-source';
import { cleanUp, childEnv, ensureBuilt, ROOT, tempDir } from './lifecycle/server-process';
import { createEmptyDatabase } from './setup/test-database';

jest.setTimeout(120_000);

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => cleanUp());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run -s <script> -- args…` in the project, to completion. */
function npmRun(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', script, '--', ...args], { cwd: ROOT, env: { ...childEnv(env), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function sql(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('npm run typeorm', () => {
  let env: Record<string, string>;

  beforeAll(async () => {
    env = { DATABASE_URL: await createEmptyDatabase('typeorm_cli') };
    const migrated = await npmRun('cli', ['migrate'], env);
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
  });

  it('schema:log finds the migrated schema up to date', async () => {
    const result = await npmRun('typeorm', ['schema:log'], env);
    expect(result.stdout).toContain('Your schema is up to date');
    expect(result.code).toBe(0);
  });

  it('migration:generate finds nothing to generate on the migrated schema', async () => {
    const dir = tempDir('registry-typeorm-');
    const result = await npmRun('typeorm', ['migration:generate', join(dir, 'Nothing')], env);
    expect(result.stdout + result.stderr).toContain('No changes in database schema were found');
    expect(result.code).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('migration:generate writes the migration the entities ask for, which brings the schema up to date', async () => {
    // a database one migration behind the entities: the column an entity declares is missing
    await sql(env.DATABASE_URL, 'ALTER TABLE peers DROP COLUMN last_error');
    const dir = tempDir('registry-typeorm-');
    const generated = await npmRun('typeorm', ['migration:generate', join(dir, 'PeerLastError')], env);
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    const files = readdirSync(dir);
    expect(files).toEqual([expect.stringMatching(/^\d{13}-PeerLastError\.ts$/)]);
    const source = readFileSync(join(dir, files[0]), 'utf8');
    expect(source).toContain('ALTER TABLE "peers" ADD "last_error" text');
    expect(source).toContain('ALTER TABLE "peers" DROP COLUMN "last_error"');

    // run it as a migration would be run
    const { [`PeerLastError${files[0].slice(0, 13)}`]: Migration } = (await import(join(dir, files[0]))) as Record<string, new () => MigrationInterface>;
    const dataSource = new DataSource(dataSourceOptions(env.DATABASE_URL));
    await dataSource.initialize();
    try {
      const runner = dataSource.createQueryRunner();
      await new Migration().up(runner);
      await runner.release();
    } finally {
      await dataSource.destroy();
    }
    const after = await npmRun('typeorm', ['schema:log'], env);
    expect(after.stdout).toContain('Your schema is up to date');
  });

  it('says so when DATABASE_URL is not set', async () => {
    const result = await npmRun('typeorm', ['schema:log'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('typeorm: DATABASE_URL is not set');
  });
});
