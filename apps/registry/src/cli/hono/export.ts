import { formatTimestamp, SecretCipher } from '@app/common';
import { pskAssociatedData } from '@app/credentials';
import { Queryable } from '@app/database';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../command';
import { CREDENTIALS_FILE, DEVICES_FILE, TENANTS_FILE } from './format';

type Json = Record<string, unknown>;

export interface ExportReport {
  tenants: number;
  devices: number;
  credentials: number;
}

const PAGE = 5000;

/** Indents a pretty-printed value to sit at `depth` levels inside the file. */
const pretty = (value: unknown, depth: number) => JSON.stringify(value, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);

/**
 * A pretty-printed JSON file of `[{<key>: <group>, <list>: [ … ]}, …]` (or of plain entries), written
 * entry by entry to `<file>.tmp` and renamed into place when complete.
 */
class ArrayFile {
  private readonly stream;
  private readonly temporary: string;
  private entries = 0;
  private group: string | undefined;
  private inGroup = 0;

  constructor(
    private readonly path: string,
    private readonly grouping?: { key: string; list: string },
  ) {
    this.temporary = `${path}.tmp`;
    rmSync(this.temporary, { force: true }); // a left-over would keep its own mode
    // password hashes and clear PSK keys: readable by the owner only
    this.stream = createWriteStream(this.temporary, { encoding: 'utf8', mode: 0o600 });
    this.stream.write('[');
  }

  private async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async add(entry: unknown): Promise<void> {
    await this.write(`${this.entries++ === 0 ? '' : ','}\n  ${pretty(entry, 1)}`);
  }

  async addTo(group: string, entry: unknown): Promise<void> {
    const { key, list } = this.grouping!;
    if (group !== this.group) {
      if (this.group !== undefined) await this.write('\n    ]\n  }');
      await this.write(`${this.entries++ === 0 ? '' : ','}\n  {\n    ${JSON.stringify(key)}: ${JSON.stringify(group)},\n    ${JSON.stringify(list)}: [`);
      this.group = group;
      this.inGroup = 0;
    }
    await this.write(`${this.inGroup++ === 0 ? '' : ','}\n      ${pretty(entry, 3)}`);
  }

  async close(): Promise<void> {
    if (this.group !== undefined) await this.write('\n    ]\n  }');
    await this.write(this.entries === 0 ? ']\n' : '\n]\n');
    this.stream.end();
    await once(this.stream, 'finish');
    renameSync(this.temporary, this.path);
  }
}

/** Rows of `select` in key order, a page at a time (keyset paging on the primary key). */
async function* pages<R extends Json>(db: Queryable, select: (after: unknown[] | null) => [string, unknown[]]): AsyncGenerator<R[]> {
  let after: unknown[] | null = null;
  for (;;) {
    const [sql, params] = select(after);
    const result = await db.query<R>(sql, params);
    if (result.rows.length === 0) return;
    yield result.rows;
    if (result.rows.length < PAGE) return;
    after = Object.values(result.rows[result.rows.length - 1]).slice(0, 3);
  }
}

/**
 * Writes the database as Hono's three files. PSK keys are decrypted (Hono's files hold them in clear),
 * password secrets get their hash, salt and hash function back.
 */
export async function exportHono(db: Queryable, dir: string, pskCipher: SecretCipher): Promise<ExportReport> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const report: ExportReport = { tenants: 0, devices: 0, credentials: 0 };

  const tenants = new ArrayFile(join(dir, TENANTS_FILE));
  for await (const rows of pages<{ id: string; body: Json }>(db, (after) => [
    `SELECT id, body FROM tenants WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT ${PAGE}`,
    [after?.[0] ?? null],
  ])) {
    for (const row of rows) {
      await tenants.add({ 'tenant-id': row.id, ...row.body });
      report.tenants++;
    }
  }
  await tenants.close();

  const devices = new ArrayFile(join(dir, DEVICES_FILE), { key: 'tenant', list: 'devices' });
  for await (const rows of pages<{ tenant_id: string; id: string; body: Json; created: Date; updated: Date | null }>(db, (after) => [
    `SELECT tenant_id, id, body, created, updated FROM devices
      WHERE ($1::text IS NULL OR (tenant_id, id) > ($1, $2)) ORDER BY tenant_id, id LIMIT ${PAGE}`,
    [after?.[0] ?? null, after?.[1] ?? null],
  ])) {
    for (const row of rows) {
      const entry: Json = { 'device-id': row.id, created: formatTimestamp(row.created) };
      if (row.updated) entry.updated = formatTimestamp(row.updated);
      entry.data = row.body;
      await devices.addTo(row.tenant_id, entry);
      report.devices++;
    }
  }
  await devices.close();

  const credentials = new ArrayFile(join(dir, CREDENTIALS_FILE), { key: 'tenant', list: 'credentials' });
  type CredentialRow = { tenant_id: string; device_id: string; position: number; body: Json; confidential: Record<string, Json> };
  for await (const rows of pages<CredentialRow>(db, (after) => [
    `SELECT tenant_id, device_id, position, body, confidential FROM credentials
      WHERE ($1::text IS NULL OR (tenant_id, device_id, position) > ($1, $2, $3))
      ORDER BY tenant_id, device_id, position LIMIT ${PAGE}`,
    [after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null],
  ])) {
    for (const row of rows) {
      const secrets = ((row.body.secrets ?? []) as Json[]).map((secret) => {
        const confidential = row.confidential[secret.id as string];
        if (!confidential) return secret;
        if (typeof confidential.key === 'string') {
          let key: Buffer;
          try {
            key = pskCipher.open(confidential.key, pskAssociatedData(row.tenant_id, secret.id as string));
          } catch {
            throw new CliError(`cannot decrypt the PSK key of device ${row.device_id} of tenant ${row.tenant_id}: is SECRET_KEY the one the registry runs with?`);
          }
          return { ...secret, key: key.toString('base64') };
        }
        return { ...secret, ...confidential };
      });
      await credentials.addTo(row.tenant_id, { 'device-id': row.device_id, ...row.body, secrets });
      report.credentials++;
    }
  }
  await credentials.close();
  return report;
}
