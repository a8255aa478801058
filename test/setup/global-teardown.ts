import { rmSync } from 'node:fs';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __embedded?: { stop(): Promise<void> } }).__embedded;
  if (embedded) {
    await embedded.stop();
    if (process.env.TEST_EMBEDDED_DATA_DIR) rmSync(process.env.TEST_EMBEDDED_DATA_DIR, { recursive: true, force: true });
    return;
  }
  // On a shared server, drop what this run created.
  const admin = new Client({ connectionString: process.env.TEST_SERVER_URL });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
    `registry_${process.env.TEST_RUN_ID}_%`,
  ]);
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
}
