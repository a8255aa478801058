import { badRequest, conflict, formatTimestamp, notFound, REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Authenticator } from '../authenticator';
import { CreateUserDto, UpdateUserDto } from '../dto/user.dto';
import { hashPassword } from '../secrets';
import { Grant, StoredUser, UsernameTaken, UsersRepository } from './users.repository';

export interface UserView {
  username: string;
  admin: boolean;
  enabled: boolean;
  tenants: Grant[];
  created: string;
  updated: string;
}

export function mapUser(user: StoredUser): UserView {
  return {
    username: user.username,
    admin: user.admin,
    enabled: user.enabled,
    tenants: user.tenants,
    created: formatTimestamp(user.created),
    updated: formatTimestamp(user.updated),
  };
}

function uniqueGrants(grants: Grant[] | undefined): Grant[] | undefined {
  if (!grants) return undefined;
  const tenants = new Set(grants.map((grant) => grant.tenant));
  if (tenants.size !== grants.length) throw badRequest('each tenant may be granted once');
  return grants;
}

/** Operators: the users API, the CLI and the ADMIN_USERNAME bootstrap all go through here. */
@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly users: UsersRepository,
    private readonly authenticator: Authenticator,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** ADMIN_USERNAME / ADMIN_PASSWORD: create that admin if it does not exist (idempotent). */
  async onApplicationBootstrap(): Promise<void> {
    const { adminUsername, adminPassword } = this.config;
    if (!adminUsername || !adminPassword) return;
    const created = await this.users.create(
      { username: adminUsername, passwordHash: await hashPassword(adminPassword), admin: true, enabled: true, tenants: [] },
      true,
    );
    if (created) this.logger.log(`created admin user ${adminUsername}`);
  }

  /**
   * The first start with no operator at all (and no ADMIN_USERNAME): creates the admin `username` with
   * the password `password()` gives. False, and nothing created, when any operator exists.
   */
  async createFirstAdmin(username: string, password: () => Promise<string>): Promise<boolean> {
    if ((await this.users.count()) > 0) return false;
    const created = await this.users.create({ username, passwordHash: await hashPassword(await password()), admin: true, enabled: true, tenants: [] }, true);
    if (created) this.logger.log(`created admin user ${username}`);
    return created !== undefined;
  }

  async hasOperators(): Promise<boolean> {
    return (await this.users.count()) > 0;
  }

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(mapUser);
  }

  async get(username: string): Promise<UserView> {
    return mapUser(await this.find(username));
  }

  async create(dto: CreateUserDto): Promise<UserView> {
    try {
      const user = await this.users.create({
        username: dto.username,
        passwordHash: await hashPassword(dto.password),
        admin: dto.admin ?? false,
        enabled: dto.enabled ?? true,
        tenants: uniqueGrants(dto.tenants) ?? [],
      });
      return mapUser(user!);
    } catch (error) {
      if (error instanceof UsernameTaken) throw conflict(`user ${dto.username} exists`);
      throw error;
    }
  }

  /** A new password or a disable ends the user's sessions and cached logins at once. */
  async update(username: string, dto: UpdateUserDto): Promise<UserView> {
    const user = await this.find(username);
    if ((dto.admin === false || dto.enabled === false) && user.admin && user.enabled) await this.keepOneAdmin(user);
    const endSessions = dto.password !== undefined || dto.enabled === false;
    let updated: StoredUser | undefined;
    try {
      updated = await this.users.update(
        user.id,
        {
          username: dto.username,
          passwordHash: dto.password === undefined ? undefined : await hashPassword(dto.password),
          admin: dto.admin,
          enabled: dto.enabled,
          tenants: uniqueGrants(dto.tenants),
        },
        endSessions,
      );
    } catch (error) {
      if (error instanceof UsernameTaken) throw conflict(`user ${dto.username} exists`);
      throw error;
    }
    this.authenticator.forgetUser(user.id);
    if (!updated) throw notFound(`user ${username} not found`);
    return mapUser(updated);
  }

  /** Deletes the user; its tokens and sessions die with it. */
  async delete(username: string): Promise<void> {
    const user = await this.find(username);
    if (user.admin && user.enabled) await this.keepOneAdmin(user);
    await this.users.delete(user.id);
    this.authenticator.forgetUser(user.id);
  }

  private async find(username: string): Promise<StoredUser> {
    const user = await this.users.findByName(username);
    if (!user) throw notFound(`user ${username} not found`);
    return user;
  }

  private async keepOneAdmin(user: StoredUser): Promise<void> {
    if ((await this.users.countEnabledAdmins(user.id)) === 0) throw conflict('the last enabled administrator cannot be removed, disabled or demoted');
  }
}
