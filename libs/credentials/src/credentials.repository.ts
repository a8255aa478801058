import { Database, isUniqueViolation, Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CredentialRow, StoredCredential } from './credential-body';
import type { PasswordHash } from './password-hashing';

/**
 * The ETag of a device's credentials. A set that was never written has none stored; its version is
 * derived from the device's identity and creation time, so it is stable, and differs from the version
 * of an earlier device of the same id.
 */
const VERSION = `COALESCE(d.credentials_version, md5(d.tenant_id || '/' || d.id || '/' || extract(epoch FROM d.created)::text))`;

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
export interface TrustedCaForAuthentication {
  not_before: string;
  not_after: string;
  auth_id_template: string | null;
}

export interface CredentialForAuthentication {
  device_id: string;
  auth_id: string;
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

/** Every query on credentials. */
@Injectable()
export class CredentialsRepository {
  constructor(private readonly db: Database) {}

  /** The device's set (in the order it was written) and its version, in one statement; undefined when the device is missing. */
  async find(tenantId: string, deviceId: string): Promise<StoredCredentialSet | undefined> {
    const result = await this.db.query<{ version: string; json: string | null }>(
      {
        name: 'credentials-find',
        text: `SELECT ${VERSION} AS version,
                      (SELECT json_agg(c.body ORDER BY c.position) FROM credentials c
                        WHERE c.tenant_id = d.tenant_id AND c.device_id = d.id)::text AS json
                 FROM devices d WHERE d.tenant_id = $1 AND d.id = $2`,
      },
      [tenantId, deviceId],
    );
    const row = result.rows[0];
    return row && { version: row.version, json: row.json ?? '[]' };
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
        const locked = await tx.query<{ max_credentials: string | null }>(
          `UPDATE devices d SET credentials_version = $3
             FROM tenants t
            WHERE d.tenant_id = $1 AND d.id = $2 AND t.id = d.tenant_id
              AND ($4::text[] IS NULL OR ${VERSION} = ANY($4::text[]))
            RETURNING t.body #>> '{registration-limits,max-credentials-per-device}' AS max_credentials`,
          [tenantId, deviceId, version, expected],
        );
        if (locked.rowCount === 0) {
          const found = await tx.query('SELECT 1 FROM devices WHERE tenant_id = $1 AND id = $2', [tenantId, deviceId]);
          throw new Abort({ outcome: found.rowCount === 0 ? 'missing' : 'version-mismatch' });
        }
        const limit = locked.rows[0].max_credentials;
        const stored = await tx.query<StoredCredential>(
          'SELECT type, auth_id, body, confidential FROM credentials WHERE tenant_id = $1 AND device_id = $2 ORDER BY position',
          [tenantId, deviceId],
        );
        const rows = build(stored.rows, limit === null ? null : Number(limit));
        await tx.query('DELETE FROM credentials WHERE tenant_id = $1 AND device_id = $2', [tenantId, deviceId]);
        if (rows.length > 0) {
          await tx.query(
            `INSERT INTO credentials (tenant_id, device_id, type, auth_id, position, body, confidential)
             SELECT $1, $2, c.type, c.auth_id, c.position, c.body, c.confidential
               FROM jsonb_to_recordset($3::jsonb) AS c(type text, auth_id text, position integer, body jsonb, confidential jsonb)`,
            [tenantId, deviceId, JSON.stringify(rows)],
          );
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
   * The tenant's trusted CAs with this subject DN (one query on the tenant's row): validity and
   * auth-id-template. Every writer stores `trusted-ca` as a list (storableTenant).
   */
  async trustedCas(tenantId: string, subjectDn: string): Promise<TrustedCaForAuthentication[]> {
    const result = await this.db.query<TrustedCaForAuthentication>(
      {
        name: 'tenant-trusted-cas-by-subject',
        text: `SELECT ca ->> 'not-before' AS not_before, ca ->> 'not-after' AS not_after, ca ->> 'auth-id-template' AS auth_id_template
                 FROM tenants t, jsonb_array_elements(t.body -> 'trusted-ca') ca
                WHERE t.id = $1 AND ca ->> 'subject-dn' = $2`,
      },
      [tenantId, subjectDn],
    );
    return result.rows;
  }

  /** Many auth-ids of one type in one statement (the AMQP Credentials API batches the requests that arrive together). */
  async findManyForAuthentication(tenantId: string, type: string, authIds: string[]): Promise<CredentialForAuthentication[]> {
    const result = await this.db.query<CredentialForAuthentication>(
      {
        name: 'credentials-find-many-for-authentication',
        text: `SELECT c.device_id, c.auth_id, c.body, c.confidential,
                      COALESCE(d.body -> 'enabled', 'true') <> 'false' AS device_enabled,
                      COALESCE(t.body -> 'enabled', 'true') <> 'false' AS tenant_enabled
                 FROM credentials c
                 JOIN devices d ON d.tenant_id = c.tenant_id AND d.id = c.device_id
                 JOIN tenants t ON t.id = c.tenant_id
                WHERE c.tenant_id = $1 AND c.type = $2 AND c.auth_id = ANY($3::text[])`,
      },
      [tenantId, type, authIds],
    );
    return result.rows;
  }

  /** The credential of this type and auth-id in the tenant (through the unique index), with its device's and tenant's status. */
  async findForAuthentication(tenantId: string, type: string, authId: string): Promise<CredentialForAuthentication | undefined> {
    const result = await this.db.query<CredentialForAuthentication>(
      {
        name: 'credentials-find-for-authentication',
        text: `SELECT c.device_id, c.auth_id, c.body, c.confidential,
                      COALESCE(d.body -> 'enabled', 'true') <> 'false' AS device_enabled,
                      COALESCE(t.body -> 'enabled', 'true') <> 'false' AS tenant_enabled
                 FROM credentials c
                 JOIN devices d ON d.tenant_id = c.tenant_id AND d.id = c.device_id
                 JOIN tenants t ON t.id = c.tenant_id
                WHERE c.tenant_id = $1 AND c.type = $2 AND c.auth_id = $3`,
      },
      [tenantId, type, authId],
    );
    return result.rows[0];
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
