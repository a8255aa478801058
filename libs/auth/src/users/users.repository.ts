import { Database, FOREIGN_KEY_VIOLATION, isUniqueViolation, pgErrorCode, Queryable } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { TenantAccess } from '../principal';
import { foldUsername } from './username';

export interface Grant {
  tenant: string;
  access: TenantAccess;
}

export interface StoredUser {
  id: string;
  username: string;
  password_hash: string;
  enabled: boolean;
  admin: boolean;
  credentials_changed: Date;
  created: Date;
  updated: Date;
  tenants: Grant[];
}

/** A user with its grants, as one row (used by the token and session lookups too). */
export const USER_COLUMNS = `u.id, u.username, u.password_hash, u.enabled, u.admin, u.credentials_changed, u.created, u.updated,
  COALESCE((SELECT json_agg(json_build_object('tenant', g.tenant_id, 'access', g.access) ORDER BY g.tenant_id)
              FROM user_tenants g WHERE g.user_id = u.id), '[]') AS tenants`;

export class UsernameTaken extends Error {}

/** Grants that name tenants which do not exist. */
export class UnknownTenants extends Error {
  /** `tenants` empty: one of them was deleted while the grants were written. */
  constructor(readonly tenants: string[]) {
    super(tenants.length > 0 ? `no such tenant: ${tenants.join(', ')}` : 'a granted tenant does not exist');
  }
}

/** Removing, disabling or demoting this admin would leave no enabled admin. */
export class LastAdmin extends Error {}

/** The unique index on the folded name: the only unique violation that means "the name is taken". */
const USERNAME_KEY = 'users_username_key';

export { foldUsername } from './username';

/** Every query on users and their tenant grants. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: Database) {}

  async findByName(username: string): Promise<StoredUser | undefined> {
    const result = await this.db.query<StoredUser>({ name: 'user-by-name', text: `SELECT ${USER_COLUMNS} FROM users u WHERE u.username_folded = $1` }, [foldUsername(username)]);
    return result.rows[0];
  }

  async findById(id: string): Promise<StoredUser | undefined> {
    const result = await this.db.query<StoredUser>({ name: 'user-by-id', text: `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1` }, [id]);
    return result.rows[0];
  }

  async list(): Promise<StoredUser[]> {
    return (await this.db.query<StoredUser>(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.username_folded`)).rows;
  }

  async count(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).rows[0].n;
  }

  /** Creates the user; `ifMissing` makes it idempotent (the ADMIN_USERNAME bootstrap). */
  async create(user: { username: string; passwordHash: string; admin: boolean; enabled: boolean; tenants: Grant[] }, ifMissing = false): Promise<StoredUser | undefined> {
    const id = randomUUID();
    try {
      return await this.db.transaction(async (tx) => {
        const inserted = await tx.query(
          `INSERT INTO users (id, username, username_folded, password_hash, admin, enabled) VALUES ($1, $2, $3, $4, $5, $6)
           ${ifMissing ? 'ON CONFLICT DO NOTHING' : ''}`,
          [id, user.username, foldUsername(user.username), user.passwordHash, user.admin, user.enabled],
        );
        if (inserted.rowCount === 0) return undefined;
        await this.replaceGrants(tx, id, user.tenants);
        return (await tx.query<StoredUser>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id])).rows[0];
      });
    } catch (error) {
      throw this.writeError(error, user.tenants);
    }
  }

  async update(
    id: string,
    changes: { username?: string; passwordHash?: string; admin?: boolean; enabled?: boolean; tenants?: Grant[] },
    endSessions: boolean,
  ): Promise<StoredUser | undefined> {
    try {
      return await this.db.transaction(async (tx) => {
      if (changes.admin === false || changes.enabled === false) await this.keepOneAdmin(tx, id);
      const updated = await tx.query(
        `UPDATE users SET username = COALESCE($6, username), username_folded = COALESCE($7, username_folded), password_hash = COALESCE($2, password_hash), admin = COALESCE($3, admin), enabled = COALESCE($4, enabled),
                credentials_changed = CASE WHEN $5 THEN now() ELSE credentials_changed END, updated = now()
          WHERE id = $1`,
        [id, changes.passwordHash ?? null, changes.admin ?? null, changes.enabled ?? null, endSessions, changes.username ?? null, changes.username === undefined ? null : foldUsername(changes.username)],
      );
      if (updated.rowCount === 0) return undefined;
      if (changes.tenants) await this.replaceGrants(tx, id, changes.tenants);
      if (endSessions) await tx.query('DELETE FROM sessions WHERE user_id = $1', [id]);
      return (await tx.query<StoredUser>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id])).rows[0];
      });
    } catch (error) {
      throw this.writeError(error, changes.tenants ?? []);
    }
  }

  /** Deletes the user; tokens and sessions go with it (foreign keys). Throws LastAdmin for the last enabled admin. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await this.keepOneAdmin(tx, id);
      return (await tx.query('DELETE FROM users WHERE id = $1', [id])).rowCount === 1;
    });
  }

  /**
   * Inside the write's transaction: refuses to take away the last enabled admin. The enabled admins'
   * rows stay locked until the write commits, so two admins disabled at the same time cannot both
   * see the other as the one that remains.
   */
  private async keepOneAdmin(tx: Queryable, id: string): Promise<void> {
    const { rows } = await tx.query<{ id: string }>('SELECT id FROM users WHERE admin AND enabled ORDER BY id FOR UPDATE');
    if (rows.some((row) => row.id === id) && rows.length === 1) throw new LastAdmin();
  }

  /** Replaces the user's grants; grants on tenants that do not exist fail the whole write. */
  private async replaceGrants(tx: Queryable, userId: string, grants: Grant[]): Promise<void> {
    await tx.query('DELETE FROM user_tenants WHERE user_id = $1', [userId]);
    if (grants.length === 0) return;
    const inserted = await tx.query<{ tenant_id: string }>(
      `INSERT INTO user_tenants (user_id, tenant_id, access)
       SELECT $1, g.tenant, g.access FROM json_to_recordset($2::json) AS g(tenant text, access text) JOIN tenants t ON t.id = g.tenant
       RETURNING tenant_id`,
      [userId, JSON.stringify(grants)],
    );
    if (inserted.rows.length < grants.length) {
      const found = new Set(inserted.rows.map((row) => row.tenant_id));
      throw new UnknownTenants(grants.map((grant) => grant.tenant).filter((tenant) => !found.has(tenant)));
    }
  }

  /** What a failed user write means: the name is taken, a tenant is unknown (or was deleted meanwhile), or something else. */
  private writeError(error: unknown, grants: Grant[]): unknown {
    if (isUniqueViolation(error, USERNAME_KEY)) return new UsernameTaken();
    if (pgErrorCode(error) === FOREIGN_KEY_VIOLATION && grants.length > 0) return new UnknownTenants([]);
    return error;
  }
}
