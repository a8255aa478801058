import { Authenticator, foldUsername, Principal, sha256, TokensRepository, UsersRepository } from '@app/auth';
import { Injectable } from '@nestjs/common';

/**
 * What an AMQP connection logged in with, kept so that its rights can be looked up again when they
 * change: the folded username, the SHA-256 of the API token (what the database stores; never the token),
 * and for a password login the user's `credentials_changed` as it was then.
 */
export interface Login {
  username: string;
  tokenHash?: string;
  credentialsChanged?: number;
}

/**
 * The rights of an open connection, now. Hono closes a connection whose authority ended (its
 * AmqpServiceBase does so when the client's token expires); here the authority ends when the API token
 * is deleted or changed, the user is disabled, deleted or renamed, or — for a password login — the
 * password is changed. Grants and permits that changed give the connection its new rights.
 */
@Injectable()
export class ConnectionRights {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly users: UsersRepository,
    private readonly tokens: TokensRepository,
  ) {}

  /** What to remember of a SASL PLAIN login that succeeded with `secret`. */
  async plainLogin(principal: Principal, secret: string): Promise<Login> {
    const username = foldUsername(principal.username);
    if (principal.via === 'token') return { username, tokenHash: sha256(secret) };
    const user = await this.users.findById(principal.userId);
    return { username, credentialsChanged: user ? user.credentialsChanged.getTime() : -1 };
  }

  /** A login vouched for by a client certificate (SASL EXTERNAL): no password to change. */
  externalLogin(principal: Principal): Login {
    return { username: foldUsername(principal.username) };
  }

  /** The connection's rights as the database has them now, or undefined when its login no longer holds. */
  async current(principal: Principal, login: Login): Promise<Principal | undefined> {
    if (login.tokenHash !== undefined) {
      const owner = await this.tokens.findOwner(login.tokenHash);
      if (!owner || owner.tokenId !== principal.tokenId || foldUsername(owner.user.username) !== login.username) return undefined;
      return this.authenticator.enabledPrincipal(owner.user, owner.permit, 'token', owner.tokenId);
    }
    const user = await this.users.findById(principal.userId);
    if (!user || foldUsername(user.username) !== login.username) return undefined;
    if (login.credentialsChanged !== undefined && user.credentialsChanged.getTime() !== login.credentialsChanged) return undefined;
    return this.authenticator.enabledPrincipal(user, '*', 'password', null);
  }
}
