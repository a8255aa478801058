import { Database, FOREIGN_KEY_VIOLATION, isUniqueViolation, pgErrorCode, Transaction } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import { SessionEntity } from '../entities/session.entity';
import { UserEntity, UserTenantEntity } from '../entities/user.entity';
import type { TenantAccess } from '../principal';
import { foldUsername } from './username';

export interface Grant {
  tenant: string;
  access: TenantAccess;
}

/** A user with its grants. */
export type StoredUser = Pick<UserEntity, 'id' | 'username' | 'passwordHash' | 'enabled' | 'admin' | 'credentialsChanged' | 'created' | 'updated'> & {
  tenants: Grant[];
};

/**
 * A user with its grants as one JSON object, for the hand-written token and session lookups (one
 * prepared statement each): the entity's property names, read back by `userFromJson`.
 */
export const USER_JSON = `json_build_object('id', u.id, 'username', u.username, 'passwordHash', u.password_hash, 'enabled', u.enabled, 'admin', u.admin,
  'credentialsChanged', u.credentials_changed, 'created', u.created, 'updated', u.updated,
  'tenants', COALESCE((SELECT json_agg(json_build_object('tenant', g.tenant_id, 'access', g.access) ORDER BY g.tenant_id)
                         FROM user_tenants g WHERE g.user_id = u.id), '[]'))`;

/** The user `USER_JSON` selected, with its timestamps as dates again. */
export function userFromJson(user: Omit<StoredUser, 'credentialsChanged' | 'created' | 'updated'> & Record<'credentialsChanged' | 'created' | 'updated', string>): StoredUser {
  return { ...user, credentialsChanged: new Date(user.credentialsChanged), created: new Date(user.created), updated: new Date(user.updated) };
}

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

  findByName(username: string): Promise<StoredUser | undefined> {
    return this.findOne(this.db.manager, 'u.usernameFolded = :folded', { folded: foldUsername(username) });
  }

  findById(id: string): Promise<StoredUser | undefined> {
    return this.findOne(this.db.manager, 'u.id = :id', { id });
  }

  async list(): Promise<StoredUser[]> {
    const users = await this.withGrants(this.db.manager).orderBy('u.usernameFolded').addOrderBy('g.tenantId').getMany();
    return users.map(storedUser);
  }

  count(): Promise<number> {
    return this.db.manager.count(UserEntity);
  }

  /** Creates the user; `ifMissing` makes it idempotent (the ADMIN_USERNAME bootstrap). */
  async create(user: { username: string; passwordHash: string; admin: boolean; enabled: boolean; tenants: Grant[] }, ifMissing = false): Promise<StoredUser | undefined> {
    const id = randomUUID();
    try {
      return await this.db.transaction(async (tx) => {
        const insert = tx.manager
          .createQueryBuilder()
          .insert()
          .into(UserEntity)
          .values({ id, username: user.username, usernameFolded: foldUsername(user.username), passwordHash: user.passwordHash, admin: user.admin, enabled: user.enabled })
          .returning('id');
        if (ifMissing) insert.orIgnore();
        const inserted = await insert.execute();
        if ((inserted.raw as unknown[]).length === 0) return undefined;
        await this.replaceGrants(tx, id, user.tenants);
        return this.findOne(tx.manager, 'u.id = :id', { id });
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
        const { username, passwordHash, admin, enabled } = changes;
        const updated = await tx.manager
          .createQueryBuilder()
          .update(UserEntity)
          .set({
            ...(username === undefined ? {} : { username, usernameFolded: foldUsername(username) }),
            ...(passwordHash === undefined ? {} : { passwordHash }),
            ...(admin === undefined ? {} : { admin }),
            ...(enabled === undefined ? {} : { enabled }),
            ...(endSessions ? { credentialsChanged: () => 'now()' } : {}),
            updated: () => 'now()',
          })
          .where('id = :id', { id })
          .execute();
        if (updated.affected === 0) return undefined;
        if (changes.tenants) await this.replaceGrants(tx, id, changes.tenants);
        if (endSessions) await tx.manager.delete(SessionEntity, { userId: id });
        return this.findOne(tx.manager, 'u.id = :id', { id });
      });
    } catch (error) {
      throw this.writeError(error, changes.tenants ?? []);
    }
  }

  /** Deletes the user; tokens and sessions go with it (foreign keys). Throws LastAdmin for the last enabled admin. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await this.keepOneAdmin(tx, id);
      return (await tx.manager.delete(UserEntity, { id })).affected === 1;
    });
  }

  /** The users with their grants (one LEFT JOIN), ordered by tenant within a user. */
  private withGrants(manager: EntityManager): SelectQueryBuilder<UserEntity> {
    return manager.createQueryBuilder(UserEntity, 'u').leftJoinAndSelect('u.grants', 'g');
  }

  private async findOne(manager: EntityManager, where: string, parameters: Record<string, string>): Promise<StoredUser | undefined> {
    const user = await this.withGrants(manager).where(where, parameters).orderBy('g.tenantId').getOne();
    return user ? storedUser(user) : undefined;
  }

  /**
   * Inside the write's transaction: refuses to take away the last enabled admin. The enabled admins'
   * rows stay locked (FOR UPDATE) until the write commits, so two admins disabled at the same time
   * cannot both see the other as the one that remains.
   */
  private async keepOneAdmin(tx: Transaction, id: string): Promise<void> {
    const admins = await tx.manager
      .createQueryBuilder(UserEntity, 'u')
      .select('u.id')
      .where('u.admin AND u.enabled')
      .orderBy('u.id')
      .setLock('pessimistic_write')
      .getMany();
    if (admins.some((admin) => admin.id === id) && admins.length === 1) throw new LastAdmin();
  }

  /**
   * Replaces the user's grants. Grants on tenants that do not exist fail the whole write: named when
   * they are missing already, and through the foreign key when one is deleted meanwhile.
   */
  private async replaceGrants(tx: Transaction, userId: string, grants: Grant[]): Promise<void> {
    await tx.manager.delete(UserTenantEntity, { userId });
    if (grants.length === 0) return;
    const wanted = grants.map((grant) => grant.tenant);
    // by entity name: the tenants library depends on this one
    const existing = await tx.manager
      .createQueryBuilder()
      .select('t.id', 'id')
      .from('TenantEntity', 't')
      .where('t.id IN (:...wanted)', { wanted })
      .getRawMany<{ id: string }>();
    if (existing.length < wanted.length) {
      const found = new Set(existing.map((row) => row.id));
      throw new UnknownTenants(wanted.filter((tenant) => !found.has(tenant)));
    }
    await tx.manager.insert(
      UserTenantEntity,
      grants.map((grant) => ({ userId, tenantId: grant.tenant, access: grant.access })),
    );
  }

  /** What a failed user write means: the name is taken, a tenant is unknown (or was deleted meanwhile), or something else. */
  private writeError(error: unknown, grants: Grant[]): unknown {
    if (isUniqueViolation(error, USERNAME_KEY)) return new UsernameTaken();
    if (pgErrorCode(error) === FOREIGN_KEY_VIOLATION && grants.length > 0) return new UnknownTenants([]);
    return error;
  }
}

function storedUser({ grants, usernameFolded: _folded, ...user }: UserEntity): StoredUser {
  return { ...user, tenants: (grants ?? []).map((grant) => ({ tenant: grant.tenantId, access: grant.access })) };
}
