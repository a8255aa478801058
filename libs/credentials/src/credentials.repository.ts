import { Database, isUniqueViolation, JsonColumn, Queryable } from '@app/database';
import { DevicesRepository } from '@app/devices';
import { TenantsRepository } from '@app/tenants';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CredentialRow, StoredCredential } from './credential-body';
import { CredentialEntity } from './entities/credential.entity';
import type { PasswordHash } from './password-hashing';

const AUTH_ID_CONSTRAINT = 'credentials_auth_id_key';

export interface StoredCredentialSet {
  /** The JSON array GET returns, as text. */
  json: string;
  version: string;
}

/** Builds the new set from the stored one (inside the write's transaction); may throw client errors. */
export type BuildSet = (stored: StoredCredential[], maxCredentials: number | null) => CredentialRow[];

export type ReplaceOutcome =
  | { outcome: 'ok'; version: string }
  | { outcome: 'missing' | 'version-mismatch' }
  | { outcome: 'auth-id-taken'; type?: string; authId?: string };

/** A credential found for authentication, with what decides whether it may be used. */
export interface CredentialForAuthentication {
  device_id: CredentialEntity['deviceId'];
  auth_id: CredentialEntity['authId'];
  body: { enabled?: unknown; secrets: Array<Record<string, unknown>> };
  /** Secret id → password hash (or sealed PSK key). */
  confidential: Record<string, PasswordHash | undefined>;
  device_enabled: boolean;
  tenant_enabled: boolean;
}

/** Ends a transaction with a rollback and an outcome for the caller. */
class Abort extends Error {
  constructor(readonly outcome: ReplaceOutcome) {
    super(outcome.outcome);
  }
}

/** `Key (tenant_id, type, auth_id)=(t, psk, id-1) already exists.` → the type and auth-id, when they read plainly. */
function conflictingKey(error: unknown): { type?: string; authId?: string } {
  const detail = (error as { detail?: unknown }).detail;
  const match = typeof detail === 'string' ? /^Key \(tenant_id, type, auth_id\)=\((?:[^,]*), ([a-z0-9-]+), (.*)\) already exists\.$/s.exec(detail) : null;
  return match ? { type: match[1], authId: match[2] } : {};
}

/**
 * Every query on credentials. The set's version lives on the device row and the limit on the tenant:
 * those are asked of their own repositories, inside the same transaction.
 */
/** A tenant's credentials of one type, with their device's and tenant's status: the reads of authentication. */
const FOR_AUTHENTICATION = `SELECT c.device_id, c.auth_id, c.body, c.confidential,
         COALESCE(d.body -> 'enabled', 'true') <> 'false' AS device_enabled,
         COALESCE(t.body -> 'enabled', 'true') <> 'false' AS tenant_enabled
    FROM credentials c
    JOIN devices d ON d.tenant_id = c.tenant_id AND d.id = c.device_id
    JOIN tenants t ON t.id = c.tenant_id
   WHERE c.tenant_id = $1 AND c.type = $2`;

@Injectable()
export class CredentialsRepository {
  constructor(
    private readonly db: Database,
    private readonly devices: DevicesRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  /**
   * The device's set (in the order it was written) and its version; undefined when the device is
   * missing. The version is read first: a write committing in between leaves a set newer than its
   * version, whose If-Match then fails (412) instead of overwriting a set the client has not seen.
   */
  async find(tenantId: string, deviceId: string): Promise<StoredCredentialSet | undefined> {
    const version = await this.devices.credentialsVersion(tenantId, deviceId);
    if (version === undefined) return undefined;
    // hand-written: the set as JSON text, spliced into the response unparsed
    const result = await this.db.query<{ json: string | null }>(
      {
        name: 'credentials-find',
        text: 'SELECT json_agg(body ORDER BY position)::text AS json FROM credentials WHERE tenant_id = $1 AND device_id = $2',
      },
      [tenantId, deviceId],
    );
    return { version, json: result.rows[0]?.json ?? '[]' };
  }

  /**
   * Replaces the device's set in one transaction. The first statement checks `If-Match` and moves the
   * version on the device row, which it locks: concurrent writers of one device queue there, and of N
   * holding one ETag exactly one wins. An auth-id held by another device breaks the unique constraint
   * (the loser of a race waits for the winner's commit, then fails): 409.
   */
  async replace(tenantId: string, deviceId: string, expected: string[] | null, build: BuildSet): Promise<ReplaceOutcome> {
    const version = randomUUID();
    try {
      return await this.db.transaction(async (tx) => {
        const moved = await this.devices.moveCredentialsVersion(tx, tenantId, deviceId, version, expected);
        if (moved.outcome !== 'ok') throw new Abort({ outcome: moved.outcome });
        const limit = await this.tenants.maxCredentialsPerDevice(tx, tenantId);
        const stored = await tx.manager
          .createQueryBuilder(CredentialEntity, 'c')
          .select('c.type', 'type')
          .addSelect('c.authId', 'auth_id')
          .addSelect('c.body', 'body')
          .addSelect('c.confidential', 'confidential')
          .where('c.tenantId = :tenantId AND c.deviceId = :deviceId', { tenantId, deviceId })
          .orderBy('c.position')
          .getRawMany<StoredCredential>();
        const rows = build(stored, limit);
        await tx.manager.delete(CredentialEntity, { tenantId, deviceId });
        if (rows.length > 0) {
          await tx.manager
            .createQueryBuilder()
            .insert()
            .into(CredentialEntity)
            .values(
              rows.map((row) => ({
                tenantId,
                deviceId,
                type: row.type,
                authId: row.auth_id,
                position: row.position,
                body: row.body as JsonColumn,
                confidential: row.confidential as JsonColumn,
              })),
            )
            .updateEntity(false)
            .execute();
        }
        return { outcome: 'ok', version } as ReplaceOutcome;
      });
    } catch (error) {
      if (error instanceof Abort) return error.outcome;
      if (isUniqueViolation(error, AUTH_ID_CONSTRAINT)) return { outcome: 'auth-id-taken', ...conflictingKey(error) };
      throw error;
    }
  }

  /**
   * The credential of this type and auth-id in the tenant (through the unique index), with its
   * device's and tenant's status. Hand-written, and the one read here that joins the devices' and
   * tenants' tables: device authentication's hot path is one prepared statement.
   */
  async findForAuthentication(tenantId: string, type: string, authId: string): Promise<CredentialForAuthentication | undefined> {
    const result = await this.db.query<CredentialForAuthentication>(
      {
        name: 'credentials-find-for-authentication',
        text: `${FOR_AUTHENTICATION} AND c.auth_id = $3`,
      },
      [tenantId, type, authId],
    );
    return result.rows[0];
  }

  /** Many auth-ids of one type in one statement (the AMQP Credentials API batches the requests that arrive together). */
  async findManyForAuthentication(tenantId: string, type: string, authIds: string[]): Promise<CredentialForAuthentication[]> {
    const result = await this.db.query<CredentialForAuthentication>(
      {
        name: 'credentials-find-many-for-authentication',
        text: `${FOR_AUTHENTICATION} AND c.auth_id = ANY($3::text[])`,
      },
      [tenantId, type, authIds],
    );
    return result.rows;
  }

  /**
   * A page of every device's credentials in (tenant, device, position) order after `after`: keyset
   * paging on the device index, so memory stays bounded for a tenant of any size (the Hono export).
   */
  page(
    after: Pick<CredentialEntity, 'tenantId' | 'deviceId' | 'position'> | null,
    limit: number,
  ): Promise<Array<Pick<CredentialEntity, 'tenantId' | 'deviceId' | 'position' | 'body' | 'confidential'>>> {
    const page = this.db.manager.createQueryBuilder(CredentialEntity, 'c').orderBy('c.tenantId').addOrderBy('c.deviceId').addOrderBy('c.position').take(limit);
    if (after !== null) page.where('(c.tenantId, c.deviceId, c.position) > (:tenantId, :deviceId, :position)', { tenantId: after.tenantId, deviceId: after.deviceId, position: after.position });
    return page.getMany();
  }

  // --- bulk load (the Hono import): one statement per batch, where a statement per device would be far too slow ---

  /** Which of these devices have credentials on record (as `tenant\u0000device`). */
  async devicesWithCredentials(devices: Array<{ tenantId: string; deviceId: string }>, via: Queryable = this.db): Promise<Set<string>> {
    const found = await via.query<{ tenant_id: string; device_id: string }>(
      `SELECT DISTINCT c.tenant_id, c.device_id FROM credentials c
         JOIN unnest($1::text[], $2::text[]) AS i(tenant_id, id) ON c.tenant_id = i.tenant_id AND c.device_id = i.id`,
      [devices.map((d) => d.tenantId), devices.map((d) => d.deviceId)],
    );
    return new Set(found.rows.map((row) => `${row.tenant_id}\u0000${row.device_id}`));
  }

  /** Deletes the credential sets of these devices, in the load's transaction. */
  async deleteSets(tx: Queryable, devices: Array<{ tenantId: string; deviceId: string }>): Promise<void> {
    await tx.query(
      `DELETE FROM credentials c USING unnest($1::text[], $2::text[]) AS i(tenant_id, id)
        WHERE c.tenant_id = i.tenant_id AND c.device_id = i.id`,
      [devices.map((d) => d.tenantId), devices.map((d) => d.deviceId)],
    );
  }

  /** Inserts the rows of many devices' sets in one statement (a unique violation names an auth-id already taken). */
  async insertRows(tx: Queryable, rows: Array<CredentialRow & { tenantId: string; deviceId: string }>): Promise<void> {
    await tx.query(
      `INSERT INTO credentials (tenant_id, device_id, type, auth_id, position, body, confidential)
       SELECT c.tenant_id, c.device_id, c.type, c.auth_id, c.position, c.body, c.confidential
         FROM jsonb_to_recordset($1::jsonb)
           AS c(tenant_id text, device_id text, type text, auth_id text, position integer, body jsonb, confidential jsonb)`,
      [JSON.stringify(rows.map(({ tenantId, deviceId, ...row }) => ({ tenant_id: tenantId, device_id: deviceId, ...row })))],
    );
  }
}
