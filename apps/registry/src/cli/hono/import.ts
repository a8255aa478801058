import { CredentialsRepository, mergeWithStored, PreparedCredential, SecretTools } from '@app/credentials';
import { Database, isEnabled, isUniqueViolation, Queryable, RegistryEvents, registryEvent } from '@app/database';
import { DevicesRepository } from '@app/devices';
import { TenantsRepository } from '@app/tenants';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { CliError } from '../command';
import { Progress } from '../progress';
import {
  CREDENTIALS_FILE,
  DeviceRecord,
  DEVICES_FILE,
  HONO_FILE_NAMES,
  isObject,
  readCredential,
  readDevice,
  readTenant,
  RecordError,
  TENANTS_FILE,
} from './format';

/** One of the three files, read and parsed: its name (as found) and its entries. */
export interface HonoFile {
  name: string;
  entries: unknown[];
}

export interface HonoFiles {
  tenants?: HonoFile;
  devices?: HonoFile;
  credentials?: HonoFile;
}

export interface ImportOptions {
  /** Read and checked before anything else happens (no database started, no key generated for a wrong directory). */
  files: HonoFiles;
  dryRun: boolean;
  /** Replace what exists (tenants, devices, a device's credential set) instead of skipping it. */
  update: boolean;
  batchSize: number;
}

export interface Counts {
  imported: number;
  updated: number;
  skipped: number;
  failed: number;
}

export interface ImportReport {
  tenants: Counts;
  devices: Counts;
  credentials: Counts;
  warnings: number;
}

/** Where problems go: one line each on stderr (the command caps how many it prints). */
export interface ImportOutput {
  problem(line: string): void;
  warning(line: string): void;
  progress(label: string, total: number): Progress;
}

/** Secret tools for the credentials of one tenant (PSK keys are sealed with the tenant in their associated data). */
export type ToolsFor = (tenantId: string) => SecretTools;

/** Credentials being prepared at once: enough to keep every core hashing plain passwords. */
const PREPARING_AT_ONCE = 64;

const zero = (): Counts => ({ imported: 0, updated: 0, skipped: 0, failed: 0 });
const key = (tenantId: string, deviceId: string) => `${tenantId}\u0000${deviceId}`;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * What a record can cause: PostgreSQL's data exceptions (22…) and integrity violations (23…). Anything
 * else (the database gone, say) ends the import instead of failing every record after it.
 */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** A file of the export as a JSON array; undefined when the file is not there. Unreadable files end the import. */
function readArray(dir: string, names: readonly string[]): HonoFile | undefined {
  const present = names.filter((name) => existsSync(join(dir, name)));
  if (present.length > 1) throw new CliError(`${dir}: both ${present.join(' and ')} found; keep one`);
  const [name] = present;
  if (name === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  } catch (error) {
    throw new CliError(`${name}: not readable as JSON: ${message(error)}`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`${name}: must be a JSON array`);
  return { name, entries: parsed };
}

/** Hono's files in `dir` (either naming), parsed; at least one of them must be there. */
export function readHonoFiles(dir: string): HonoFiles {
  const files: HonoFiles = {
    tenants: readArray(dir, HONO_FILE_NAMES.tenants),
    devices: readArray(dir, HONO_FILE_NAMES.devices),
    credentials: readArray(dir, HONO_FILE_NAMES.credentials),
  };
  if (Object.values(files).every((file) => file === undefined)) {
    const names = Object.values(HONO_FILE_NAMES).map((pair) => pair.join(' or '));
    throw new CliError(`${dir}: none of ${names.join(', ')} found`);
  }
  return files;
}

/** The files whose entries come in groups per tenant. */
type GroupKind = 'devices' | 'credentials';

/** How many entries the well-formed groups of such a file hold. */
function entriesIn(groups: unknown[], kind: GroupKind): number {
  return groups.reduce<number>((sum, group) => sum + (isObject(group) && Array.isArray(group[kind]) ? group[kind].length : 0), 0);
}

function label(where: string, tenantId?: unknown, deviceId?: unknown): string {
  const ids = [
    typeof tenantId === 'string' ? `tenant ${tenantId}` : undefined,
    typeof deviceId === 'string' ? `device ${deviceId}` : undefined,
  ].filter(Boolean);
  return ids.length > 0 ? `${where} (${ids.join(', ')})` : where;
}

interface PendingDevice {
  where: string;
  record: DeviceRecord;
}

interface PendingCredential {
  where: string;
  credential: PreparedCredential;
}

interface CredentialSet {
  tenantId: string;
  deviceId: string;
  items: PendingCredential[];
}

/** What the import writes through: the repositories and events of the application, and its transactions. */
export interface ImportServices {
  db: Database;
  tenants: TenantsRepository;
  devices: DevicesRepository;
  credentials: CredentialsRepository;
  events: RegistryEvents;
}

/** Imports the three files of Hono's file-based registry (`options.files`) through the application's repositories. */
export class HonoImport {
  readonly report: ImportReport = { tenants: zero(), devices: zero(), credentials: zero(), warnings: 0 };
  /** Tenants devices may go to: on record, or (dry run) about to be. */
  private readonly tenants = new Set<string>();
  /** Devices of the files that would be written (dry run only: credentials may refer to them). */
  private readonly fileDevices = new Set<string>();
  private readonly db: Database;
  /** Running instances hear of every imported record as of an HTTP write (Hono's notifications). */
  private readonly events: RegistryEvents;

  constructor(
    private readonly services: ImportServices,
    private readonly options: ImportOptions,
    private readonly toolsFor: ToolsFor,
    private readonly out: ImportOutput,
  ) {
    this.db = services.db;
    this.events = services.events;
  }

  async run(): Promise<ImportReport> {
    const { tenants, devices, credentials } = this.options.files;
    await this.importTenants(tenants?.entries ?? [], tenants?.name ?? TENANTS_FILE);
    await this.importDevices(devices?.entries ?? [], devices?.name ?? DEVICES_FILE);
    await this.importCredentials(credentials?.entries ?? [], credentials?.name ?? CREDENTIALS_FILE);
    await this.refreshStatistics();
    return this.report;
  }

  /**
   * A bulk load leaves the planner's statistics describing the tables before it, and new index entries
   * in the GIN pending lists that every search reads through; autovacuum would only catch up minutes
   * later. So once anything was written: VACUUM (ANALYZE) the tables the import writes, as autovacuum would.
   */
  private async refreshStatistics(): Promise<void> {
    if (this.options.dryRun) return;
    const written = [this.report.tenants, this.report.devices, this.report.credentials].some((counts) => counts.imported + counts.updated > 0);
    if (written) await this.db.query('VACUUM (ANALYZE) tenants, tenant_trust_anchors, devices, credentials');
  }

  private fail(counts: Counts, where: string, error: unknown, count = 1): void {
    counts.failed += count;
    this.out.problem(`${where}: ${message(error)}`);
  }

  private warn(where: string, warnings: string[]): void {
    for (const warning of warnings) {
      this.report.warnings++;
      this.out.warning(`${where}: ${warning}`);
    }
  }

  // --- tenants: few, one transaction each through the tenants repository (trust anchors, alias) ---

  private async importTenants(entries: unknown[], file: string): Promise<void> {
    const counts = this.report.tenants;
    const repository = this.services.tenants;
    const progress = this.out.progress('tenants', entries.length);
    const seen = new Set<string>();
    for (const [index, entry] of entries.entries()) {
      const where = label(`${file}[${index}]`, isObject(entry) ? entry['tenant-id'] : undefined);
      try {
        const warnings: string[] = [];
        const { id, tenant } = readTenant(entry, warnings);
        this.warn(where, warnings);
        if (seen.has(id)) throw new RecordError(`tenant ${id} is in the file more than once`);
        seen.add(id);
        const exists = await repository.exists(id);
        if (exists && !this.options.update) {
          counts.skipped++;
          this.tenants.add(id);
        } else if (this.options.dryRun) {
          counts[exists ? 'updated' : 'imported']++;
          this.tenants.add(id);
        } else {
          const outcome = exists ? await repository.update(id, tenant, null) : await repository.create(id, tenant);
          switch (outcome.outcome) {
            case 'ok':
              counts[exists ? 'updated' : 'imported']++;
              this.tenants.add(id);
              await this.events.tenant(exists ? 'UPDATE' : 'CREATE', id, isEnabled(tenant.body));
              break;
            case 'alias-taken':
              throw new RecordError(`alias "${tenant.alias}" is already used by another tenant`);
            case 'trust-anchor-taken':
              throw new RecordError(`a trusted CA with subject DN "${outcome.subjectDn}" is already used by another tenant`);
            default:
              throw new RecordError(`tenant ${id} changed while importing (${outcome.outcome})`);
          }
        }
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        this.fail(counts, where, error);
      }
      progress.advance(1);
    }
    progress.finish();
  }

  /** Adds the tenants of these ids that are on record to the known ones. */
  private async learnTenants(ids: string[]): Promise<void> {
    const unknown = ids.filter((id) => !this.tenants.has(id));
    if (unknown.length === 0) return;
    for (const id of await this.services.tenants.existingIds(unknown)) this.tenants.add(id);
  }

  // --- devices: multi-row statements, one transaction per batch, the tenants' device counters with them ---

  /** The groups of a devices or credentials file that are `{"tenant": "…", "<kind>": […]}`; any other fails with all its entries. */
  private *tenantGroups(groups: unknown[], kind: GroupKind, file: string, progress: Progress): Generator<{ groupWhere: string; tenantId: string; entries: unknown[] }> {
    for (const [groupIndex, group] of groups.entries()) {
      const groupWhere = `${file}[${groupIndex}]`;
      if (!isObject(group) || typeof group.tenant !== 'string' || !Array.isArray(group[kind])) {
        const size = isObject(group) && Array.isArray(group[kind]) ? group[kind].length : 1;
        this.fail(this.report[kind], label(groupWhere, isObject(group) ? group.tenant : undefined), `must be {"tenant": "…", "${kind}": […]}`, size);
        progress.advance(size);
        continue;
      }
      yield { groupWhere, tenantId: group.tenant, entries: group[kind] };
    }
  }

  private async importDevices(groups: unknown[], file: string): Promise<void> {
    const counts = this.report.devices;
    const progress = this.out.progress('devices', entriesIn(groups, 'devices'));
    await this.learnTenants(groups.flatMap((group) => (isObject(group) && typeof group.tenant === 'string' ? [group.tenant] : [])));
    const seen = new Set<string>();
    let batch: PendingDevice[] = [];
    for (const { groupWhere, tenantId, entries } of this.tenantGroups(groups, 'devices', file, progress)) {
      for (const [index, entry] of entries.entries()) {
        const where = label(`${groupWhere}.devices[${index}]`, tenantId, isObject(entry) ? entry['device-id'] : undefined);
        try {
          if (!this.tenants.has(tenantId)) throw new RecordError(`tenant ${tenantId} not found`);
          const warnings: string[] = [];
          const record = readDevice(tenantId, entry, warnings);
          this.warn(where, warnings);
          const id = key(tenantId, record.id);
          if (seen.has(id)) throw new RecordError(`device ${record.id} is in the file more than once`);
          seen.add(id);
          batch.push({ where, record });
        } catch (error) {
          if (!(error instanceof RecordError)) throw error;
          this.fail(counts, where, error);
          progress.advance(1);
        }
        if (batch.length >= this.options.batchSize) {
          await this.flushDevices(batch);
          progress.advance(batch.length);
          batch = [];
        }
      }
    }
    if (batch.length > 0) {
      await this.flushDevices(batch);
      progress.advance(batch.length);
    }
    progress.finish();
  }

  private async flushDevices(batch: PendingDevice[]): Promise<void> {
    const counts = this.report.devices;
    if (this.options.dryRun) {
      const existing = await this.existingDevices(this.db, batch);
      for (const { record } of batch) {
        const exists = existing.has(key(record.tenantId, record.id));
        if (exists && !this.options.update) counts.skipped++;
        else counts[exists ? 'updated' : 'imported']++;
        this.fileDevices.add(key(record.tenantId, record.id));
      }
      return;
    }
    try {
      const outcome = await this.db.transaction((tx) => this.writeDevices(tx, batch));
      counts.imported += outcome.inserted;
      counts.updated += outcome.updated;
      counts.skipped += batch.length - outcome.inserted - outcome.updated;
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (batch.length === 1) {
        this.fail(counts, batch[0].where, error);
        return;
      }
      // one bad row fails its statement: write the batch one by one to find it and keep the others
      for (const device of batch) await this.flushDevices([device]);
    }
  }

  private async existingDevices(db: Queryable, batch: PendingDevice[]): Promise<Set<string>> {
    const found = await this.services.devices.existing(
      batch.map(({ record }) => record),
      db,
    );
    return new Set(found.map((device) => key(device.tenantId, device.id)));
  }

  /** New devices in one INSERT, the tenants' counters with them; with --update, the others in one UPDATE. */
  private async writeDevices(tx: Queryable, batch: PendingDevice[]): Promise<{ inserted: number; updated: number }> {
    const records = batch.map(({ record }) => record);
    const inserted = await this.services.devices.insertMissing(tx, records);
    const added = new Map<string, number>();
    for (const device of inserted) added.set(device.tenantId, (added.get(device.tenantId) ?? 0) + 1);
    await this.services.tenants.addToDeviceCounts(tx, added);
    const enabled = new Map(records.map((record) => [key(record.tenantId, record.id), isEnabled(record.body)]));
    const changed = inserted.map((device) => registryEvent.device('CREATE', device.tenantId, device.id, enabled.get(key(device.tenantId, device.id))!));
    let updated = 0;
    if (this.options.update && inserted.length < records.length) {
      const done = new Set(inserted.map((device) => key(device.tenantId, device.id)));
      const rest = records.filter((record) => !done.has(key(record.tenantId, record.id)));
      updated = await this.services.devices.replaceAll(tx, rest);
      changed.push(...rest.map((record) => registryEvent.device('UPDATE', record.tenantId, record.id, isEnabled(record.body))));
    }
    await this.events.publish(changed, tx);
    return { inserted: inserted.length, updated };
  }

  // --- credentials: a device's set is every credential of the file naming it, written as PUT would ---

  private async importCredentials(groups: unknown[], file: string): Promise<void> {
    const counts = this.report.credentials;
    const progress = this.out.progress('credentials', entriesIn(groups, 'credentials'));
    const sets = new Map<string, CredentialSet>();
    /** (tenant, type, auth-id) → the device holding it in the file: one auth-id per tenant and type. */
    const authIds = new Map<string, string>();
    const limit = pLimit(PREPARING_AT_ONCE);
    for (const { groupWhere, tenantId, entries } of this.tenantGroups(groups, 'credentials', file, progress)) {
      const tools = this.toolsFor(tenantId);
      // prepared ahead, several at a time (plain passwords are hashed on the thread pool), checked in file order
      const prepared = entries.map((entry) => limit(() => readCredential(entry, tools).then((record) => ({ record }), (error: unknown) => ({ error }))));
      for (const [index, entry] of entries.entries()) {
        const where = label(`${groupWhere}.credentials[${index}]`, tenantId, isObject(entry) ? entry['device-id'] : undefined);
        try {
          const outcome = await prepared[index];
          if ('error' in outcome) throw outcome.error;
          const { deviceId, credential } = outcome.record;
          const authKey = `${tenantId}\u0000${credential.type}\u0000${credential.authId}`;
          const holder = authIds.get(authKey);
          if (holder !== undefined) {
            throw new RecordError(`type ${credential.type} with auth-id "${credential.authId}" is in the file ${holder === deviceId ? 'twice for this device' : `for device ${holder} too`}`);
          }
          authIds.set(authKey, deviceId);
          const setKey = key(tenantId, deviceId);
          let set = sets.get(setKey);
          if (!set) sets.set(setKey, (set = { tenantId, deviceId, items: [] }));
          set.items.push({ where, credential });
        } catch (error) {
          if (!(error instanceof RecordError)) throw error;
          this.fail(counts, where, error);
          progress.advance(1);
        }
      }
    }
    let batch: CredentialSet[] = [];
    let size = 0;
    for (const set of sets.values()) {
      batch.push(set);
      size += set.items.length;
      if (size >= this.options.batchSize) {
        await this.flushCredentials(batch);
        progress.advance(size);
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0) {
      await this.flushCredentials(batch);
      progress.advance(size);
    }
    progress.finish();
  }

  private async credentialStatus(db: Queryable, batch: CredentialSet[]): Promise<Map<string, { device: boolean; credentials: boolean }>> {
    const devices = await this.services.devices.existing(
      batch.map((set) => ({ tenantId: set.tenantId, id: set.deviceId })),
      db,
    );
    const withCredentials = await this.services.credentials.devicesWithCredentials(batch, db);
    return new Map(
      devices.map((device) => {
        const id = key(device.tenantId, device.id);
        return [id, { device: true, credentials: withCredentials.has(id) }];
      }),
    );
  }

  private async flushCredentials(batch: CredentialSet[]): Promise<void> {
    const counts = this.report.credentials;
    if (this.options.dryRun) {
      const status = await this.credentialStatus(this.db, batch);
      for (const set of batch) {
        const onRecord = status.get(key(set.tenantId, set.deviceId));
        if (!onRecord && !this.fileDevices.has(key(set.tenantId, set.deviceId))) this.failSet(set, `device ${set.deviceId} of tenant ${set.tenantId} not found`);
        else if (onRecord?.credentials && !this.options.update) counts.skipped += set.items.length;
        else counts[onRecord?.credentials ? 'updated' : 'imported'] += set.items.length;
      }
      return;
    }
    try {
      const missing = await this.db.transaction((tx) => this.writeCredentials(tx, batch));
      for (const set of missing) this.failSet(set, `device ${set.deviceId} of tenant ${set.tenantId} not found`);
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (batch.length === 1) {
        const set = batch[0];
        this.failSet(set, isUniqueViolation(error) ? `an auth-id of this device's credentials is already used by another device of tenant ${set.tenantId}` : message(error));
        return;
      }
      for (const set of batch) await this.flushCredentials([set]);
    }
  }

  private failSet(set: CredentialSet, why: string): void {
    for (const item of set.items) this.fail(this.report.credentials, item.where, why);
  }

  /** Replaces (or, without --update, only creates) the sets of the batch in one transaction; returns the sets whose device is missing. */
  private async writeCredentials(tx: Queryable, batch: CredentialSet[]): Promise<CredentialSet[]> {
    const counts = { ...zero() };
    const status = await this.credentialStatus(tx, batch);
    const missing: CredentialSet[] = [];
    const write: CredentialSet[] = [];
    for (const set of batch) {
      const onRecord = status.get(key(set.tenantId, set.deviceId));
      if (!onRecord) missing.push(set);
      else if (onRecord.credentials && !this.options.update) counts.skipped += set.items.length;
      else {
        counts[onRecord.credentials ? 'updated' : 'imported'] += set.items.length;
        write.push(set);
      }
    }
    if (write.length > 0) {
      // the set's version moves (and the device row is locked) as with PUT
      await this.services.devices.newCredentialsVersions(
        tx,
        write.map((set) => ({ tenantId: set.tenantId, id: set.deviceId })),
      );
      if (this.options.update) await this.services.credentials.deleteSets(tx, write);
      const rows = write.flatMap((set) =>
        mergeWithStored(
          set.items.map((item) => item.credential),
          [],
        ).map((row) => ({ tenantId: set.tenantId, deviceId: set.deviceId, ...row })),
      );
      await this.services.credentials.insertRows(tx, rows);
      await this.events.publish(write.map((set) => registryEvent.credentials(set.tenantId, set.deviceId)), tx);
    }
    // counted only once the transaction's statements went through (a retry one by one counts again)
    this.report.credentials.imported += counts.imported;
    this.report.credentials.updated += counts.updated;
    this.report.credentials.skipped += counts.skipped;
    return missing;
  }
}
