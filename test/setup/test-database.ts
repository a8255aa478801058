import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEST_RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

let counter = 0;

/** A fresh database for one suite, copied from the migrated template of this run. */
export async function createTestDatabase(): Promise<string> {
  const serverUrl = process.env.TEST_SERVER_URL!;
  const name = `registry_${process.env.TEST_RUN_ID}_${process.pid}_${++counter}_${randomBytes(2).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.TEST_TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  return databaseUrlFor(serverUrl, name);
}

/** A direct connection for asserting database state (and for arranging it where HTTP cannot). */
export async function connect(databaseUrl: string): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

/** An empty database (no migrations) of this run, dropped with the run's others; for tests of migrating itself. */
export async function createEmptyDatabase(label: string): Promise<string> {
  const name = `registry_${process.env.TEST_RUN_ID}_${label}_${process.pid}`;
  const admin = new Client({ connectionString: process.env.TEST_SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return databaseUrlFor(process.env.TEST_SERVER_URL!, name);
}
