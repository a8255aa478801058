import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../libs/database/src/embedded-postgres';
import { migrate } from '../../apps/registry/src/database/data-source';
import { databaseUrlFor, TEST_RUN_ID } from './test-database';

/**
 * One PostgreSQL per test run: the embedded one (default) or the server in DATABASE_URL. A template
 * database is migrated once; every suite copies it (CREATE DATABASE … TEMPLATE).
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'registry-test-'));
    const server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
    (globalThis as { __embedded?: unknown }).__embedded = server;
    serverUrl = server.url;
    process.env.TEST_EMBEDDED_DATA_DIR = dataDir;
  }
  process.env.TEST_SERVER_URL = serverUrl;
  process.env.TEST_RUN_ID = TEST_RUN_ID;
  const template = `registry_${TEST_RUN_ID}_template`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  await migrate(databaseUrlFor(serverUrl, template));
  process.env.TEST_TEMPLATE_DATABASE = template;
}
