import { badRequest, conflict, formatTimestamp, notFound, REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Authenticator } from '../authenticator';
import { CreateUserDto, UpdateUserDto } from '../dto/user.dto';
import { hashPassword } from '../secrets';
import { Grant, LastAdmin, StoredUser, UnknownTenants, UsernameTaken, UsersRepository } from './users.repository';

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

/** Each tenant at most once in a user's grants (400). */
export function uniqueGrants(grants: Grant[] | undefined): Grant[] | undefined {
  if (!grants) return undefined;
  const tenants = new Set(grants.map((grant) => grant.tenant));
  if (tenants.size !== grants.length) throw badRequest('each tenant may be granted once');
  return grants;
}

/** The client's error for a failed user write (the API's and the CLI's); anything else as it is. */
export function userWriteError(error: unknown, username: string | undefined): unknown {
  if (error instanceof UsernameTaken) return conflict(`user ${username} exists`);
  if (error instanceof UnknownTenants) return badRequest(`tenants: ${error.message}`);
  if (error instanceof LastAdmin) return conflict('the last enabled administrator cannot be removed, disabled or demoted');
  return error;
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
    const grants = uniqueGrants(dto.tenants) ?? [];
    const passwordHash = await hashPassword(dto.password);
    const user = await this.write(dto, () =>
      this.users.create({ username: dto.username, passwordHash, admin: dto.admin ?? false, enabled: dto.enabled ?? true, tenants: grants }),
    );
    return mapUser(user!);
  }

  /** A new password or a disable ends the user's sessions and cached logins at once. */
  async update(username: string, dto: UpdateUserDto): Promise<UserView> {
    const user = await this.find(username);
    const endSessions = dto.password !== undefined || dto.enabled === false;
    const tenants = uniqueGrants(dto.tenants);
    const passwordHash = dto.password === undefined ? undefined : await hashPassword(dto.password);
    const updated = await this.write(dto, () =>
      this.users.update(user.id, { username: dto.username, passwordHash, admin: dto.admin, enabled: dto.enabled, tenants }, endSessions),
    );
    this.authenticator.forgetUser(user.id);
    if (!updated) throw notFound(`user ${username} not found`);
    return mapUser(updated);
  }

  /** Deletes the user; its tokens and sessions die with it. */
  async delete(username: string): Promise<void> {
    const user = await this.find(username);
    await this.write({}, () => this.users.delete(user.id));
    this.authenticator.forgetUser(user.id);
  }

  /** A user write, with what went wrong said as the client's error. */
  private async write<T>(dto: { username?: string }, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw userWriteError(error, dto.username);
    }
  }

  private async find(username: string): Promise<StoredUser> {
    const user = await this.users.findByName(username);
    if (!user) throw notFound(`user ${username} not found`);
    return user;
  }
}
