import { formatTimestamp, SecretCipher } from '@app/common';
import { CredentialsRepository, pskAssociatedData } from '@app/credentials';
import { DevicesRepository } from '@app/devices';
import { TenantsRepository } from '@app/tenants';
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

/** Every row a repository's keyset-paged read gives, a page at a time: one page in memory, however large the table. */
async function* pages<R>(page: (after: R | null, limit: number) => Promise<R[]>): AsyncGenerator<R[]> {
  let after: R | null = null;
  for (;;) {
    const rows = await page(after, PAGE);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1];
  }
}

/** The repositories the export reads through (each owns its table). */
export interface ExportSources {
  tenants: TenantsRepository;
  devices: DevicesRepository;
  credentials: CredentialsRepository;
}

/**
 * Writes the database as Hono's three files. PSK keys are decrypted (Hono's files hold them in clear),
 * password secrets get their hash, salt and hash function back.
 */
export async function exportHono(sources: ExportSources, dir: string, pskCipher: SecretCipher): Promise<ExportReport> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const report: ExportReport = { tenants: 0, devices: 0, credentials: 0 };

  const tenants = new ArrayFile(join(dir, TENANTS_FILE));
  for await (const rows of pages((after: { id: string; body: Json } | null, limit) => sources.tenants.page(after?.id ?? null, limit))) {
    for (const row of rows) {
      await tenants.add({ 'tenant-id': row.id, ...row.body });
      report.tenants++;
    }
  }
  await tenants.close();

  const devices = new ArrayFile(join(dir, DEVICES_FILE), { key: 'tenant', list: 'devices' });
  for await (const rows of pages(sources.devices.page.bind(sources.devices))) {
    for (const row of rows) {
      const entry: Json = { 'device-id': row.id, created: formatTimestamp(row.created) };
      if (row.updated) entry.updated = formatTimestamp(row.updated);
      entry.data = row.body;
      await devices.addTo(row.tenantId, entry);
      report.devices++;
    }
  }
  await devices.close();

  const credentials = new ArrayFile(join(dir, CREDENTIALS_FILE), { key: 'tenant', list: 'credentials' });
  for await (const rows of pages(sources.credentials.page.bind(sources.credentials))) {
    for (const row of rows) {
      const secrets = ((row.body.secrets ?? []) as Json[]).map((secret) => {
        const confidential = row.confidential[secret.id as string];
        if (!confidential) return secret;
        if (typeof confidential.key === 'string') {
          let key: Buffer;
          try {
            key = pskCipher.open(confidential.key, pskAssociatedData(row.tenantId, secret.id as string));
          } catch {
            throw new CliError(`cannot decrypt the PSK key of device ${row.deviceId} of tenant ${row.tenantId}: is SECRET_KEY the one the registry runs with?`);
          }
          return { ...secret, key: key.toString('base64') };
        }
        return { ...secret, ...confidential };
      });
      await credentials.addTo(row.tenantId, { 'device-id': row.deviceId, ...row.body, secrets });
      report.credentials++;
    }
  }
  await credentials.close();
  return report;
}
