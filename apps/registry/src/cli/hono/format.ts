import { checkId, DEVICE_ID_PATTERN, isJsonObject, JsonBodyPipe, TENANT_ID_PATTERN } from '@app/common';
import { CredentialsBody, PreparedCredential, prepareCredentials, SecretTools } from '@app/credentials';
import { DeviceDto, storableDevice } from '@app/devices';
import { StorableTenant, storableTenant, TenantDto } from '@app/tenants';
import { getMetadataStorage } from 'class-validator';

/**
 * Eclipse Hono's file-based device registry (hono-service-device-registry-file, 1.x): three JSON files,
 * each an array, as its FileBasedTenantService, FileBasedDeviceBackend and FileBasedCredentialsService
 * wrote them. See docs/import-export.md.
 */
export const TENANTS_FILE = 'tenants.json';
export const DEVICES_FILE = 'device-identities.json';
export const CREDENTIALS_FILE = 'credentials.json';

/** The names each file goes by: the registry's own, and those of the examples Hono ships (`example-tenants.json`, …). */
export const HONO_FILE_NAMES = {
  tenants: [TENANTS_FILE, `example-${TENANTS_FILE}`],
  devices: [DEVICES_FILE, `example-${DEVICES_FILE}`],
  credentials: [CREDENTIALS_FILE, `example-${CREDENTIALS_FILE}`],
} as const;

type Json = Record<string, unknown>;

/** A record of a file that cannot be imported: where it is, and why. */
export class RecordError extends Error {}

export const isObject = isJsonObject;

const BODY = new JsonBodyPipe({ required: true });

/** The top-level properties a DTO declares. */
function declaredProperties(dto: new () => object): Set<string> {
  return new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((meta) => meta.propertyName));
}
const TENANT_PROPERTIES = declaredProperties(TenantDto);
const DEVICE_PROPERTIES = declaredProperties(DeviceDto);

/**
 * Hono's model classes ignore properties they do not know (its own example files carry `comment`s),
 * and Jackson writes no nulls: both are dropped here, the unknown ones with a warning.
 */
function tidy(body: Json, known: Set<string>, warnings: string[]): Json {
  const kept: Json = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === null) continue;
    if (!known.has(key)) {
      warnings.push(`ignored unknown property "${key}"`);
      continue;
    }
    kept[key] = value;
  }
  return kept;
}

/** Runs one of the service's validations; its 400 message becomes the record's error. */
function validate<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new RecordError(error instanceof Error ? error.message : String(error));
  }
}

function timestamp(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new RecordError(`${field} must be an ISO 8601 timestamp`);
  return new Date(value).toISOString();
}

export interface TenantRecord {
  id: string;
  tenant: StorableTenant;
}

/** `{"tenant-id": "…", …Tenant}` → the tenant as the service stores it (a single trusted-ca object becomes a list). */
export function readTenant(entry: unknown, warnings: string[]): TenantRecord {
  if (!isObject(entry)) throw new RecordError('must be a JSON object');
  const { 'tenant-id': id, ...rest } = entry;
  const tenantId = validate(() => checkId('tenant', id, TENANT_ID_PATTERN));
  const body = tidy(rest, TENANT_PROPERTIES, warnings);
  const validated = validate(() => BODY.transform(body, { type: 'body', metatype: TenantDto }));
  return { id: tenantId, tenant: validate(() => storableTenant(validated)) };
}

export interface DeviceRecord {
  tenantId: string;
  id: string;
  body: Json;
  created: string | null;
  updated: string | null;
}

const RECORD_FIELDS = new Set(['device-id', 'data', 'created', 'updated', 'memberOf']);
const ID_LISTS = ['via', 'viaGroups', 'memberOf'];

/**
 * `{"device-id": "…", "created": …, "updated": …, "data": {…Device}}` → the device as stored. Hono's
 * Device also took a single id for `via`, `viaGroups` and `memberOf` (a list of one here), and its
 * test files put `memberOf` next to `data`.
 */
export function readDevice(tenantId: string, entry: unknown, warnings: string[]): DeviceRecord {
  if (!isObject(entry)) throw new RecordError('must be a JSON object');
  const deviceId = validate(() => checkId('device', entry['device-id'], DEVICE_ID_PATTERN));
  for (const key of Object.keys(entry)) if (!RECORD_FIELDS.has(key)) warnings.push(`ignored unknown property "${key}"`);
  const data = entry.data ?? {};
  if (!isObject(data)) throw new RecordError('data must be a JSON object');
  const raw: Json = { ...data };
  if (entry.memberOf !== undefined && entry.memberOf !== null && raw.memberOf === undefined) raw.memberOf = entry.memberOf;
  for (const list of ID_LISTS) if (typeof raw[list] === 'string') raw[list] = [raw[list]];
  const body = tidy(raw, DEVICE_PROPERTIES, warnings);
  validate(() => BODY.transform(body, { type: 'body', metatype: DeviceDto }));
  return {
    tenantId,
    id: deviceId,
    body: validate(() => storableDevice(body)),
    created: timestamp(entry.created, 'created'),
    updated: timestamp(entry.updated, 'updated'),
  };
}

export interface CredentialRecord {
  deviceId: string;
  credential: PreparedCredential;
}

/**
 * `{"device-id": "…", "type": …, "auth-id": …, "secrets": [{…}]}` → one credential, validated as PUT
 * /v1/credentials validates it. Secrets keep the ids they have; Hono's files hold password hashes and
 * PSK keys, so every secret must be complete (there is no stored secret to take anything from).
 */
export async function readCredential(entry: unknown, tools: SecretTools): Promise<CredentialRecord> {
  if (!isObject(entry)) throw new RecordError('must be a JSON object');
  const { 'device-id': id, ...credential } = entry;
  const deviceId = validate(() => checkId('device', id, DEVICE_ID_PATTERN));
  // an x509-cert credential's one secret carries only optional validity: Hono's files may leave it out
  if (credential.type === 'x509-cert' && (credential.secrets === undefined || (Array.isArray(credential.secrets) && credential.secrets.length === 0))) {
    credential.secrets = [{}];
  }
  const unprefixed = (error: unknown) => new RecordError((error instanceof Error ? error.message : String(error)).replace(/^credentials\[0\](: |\.)?/, ''));
  try {
    CredentialsBody.transform([credential]);
  } catch (error) {
    throw unprefixed(error);
  }
  let prepared: PreparedCredential;
  try {
    [prepared] = await prepareCredentials([credential], tools);
  } catch (error) {
    throw unprefixed(error);
  }
  for (const [index, secret] of prepared.secrets.entries()) {
    if (secret.keep !== 'nothing') throw new RecordError(`secrets[${index}] has an id but no key, password hash or other secret data`);
    secret.patches = false;
  }
  return { deviceId, credential: prepared };
}
