import { REGISTRY_CONFIG, RegistryConfig, SECRET_KEY } from '@app/common';
import { Inject, Injectable } from '@nestjs/common';
import { CredentialCache, SessionEntry } from './credential-cache';
import { Permit } from './permit';
import { AuthenticatedVia, Principal, TenantAccess } from './principal';
import { keyedHash, looksLikeApiToken, sha256, verifyNothing, verifyPassword } from './secrets';
import { SessionsRepository } from './sessions/sessions.repository';
import { TokenTouches } from './tokens/token-touches';
import { TokensRepository } from './tokens/tokens.repository';
import { AttemptThrottle } from './throttle/attempt-throttle';
import { foldUsername } from './users/username';
import { StoredUser, UsersRepository } from './users/users.repository';

const PASSWORD_CACHE_MS = 30_000;
const TOKEN_CACHE_MS = 10_000;
const TOKEN_TOUCH_MS = 60_000;
/** Tokens whose last write this instance remembers (as many as the credential cache holds logins). */
const MAX_TOKEN_TOUCHES = 10_000;

function grantsOf(user: StoredUser): Map<string, TenantAccess> {
  return new Map(user.tenants.map((grant) => [grant.tenant, grant.access]));
}

/**
 * Verifies what a caller presents: a session id, a username with a password or API token, a Bearer
 * token. Returns undefined for "not authenticated". The passport strategies (strategies/) read the
 * credentials off the request and the global guard tries them in OVMS order.
 */
@Injectable()
export class Authenticator {
  private readonly tokenTouches = new TokenTouches(TOKEN_TOUCH_MS, MAX_TOKEN_TOUCHES);
  private readonly verifying = new Map<string, Promise<Principal | undefined>>();

  constructor(
    readonly cache: CredentialCache,
    private readonly users: UsersRepository,
    private readonly tokens: TokensRepository,
    private readonly sessions: SessionsRepository,
    private readonly throttle: AttemptThrottle,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    @Inject(SECRET_KEY) private readonly secretKey: string,
  ) {}

  /**
   * A username and password (or API token): the URL form, HTTP Basic and SASL PLAIN on the AMQP surface,
   * with one verification, cache and throttle. Throws the 429 error while throttled.
   */
  authenticatePassword(username: string, secret: string, address: string): Promise<Principal | undefined> {
    return this.fromSecret(username, secret, address);
  }

  /** A user vouched for by a verified TLS client certificate (SASL EXTERNAL): the rights of a password login. */
  async authenticateUser(username: string): Promise<Principal | undefined> {
    const user = await this.users.findByName(username);
    return user ? this.enabledPrincipal(user, '*', 'password', null) : undefined;
  }

  /** Drops everything cached for a user (password change, disable, delete, new grants). */
  forgetUser(userId: string): void {
    this.cache.dropUser(userId);
  }

  forgetToken(tokenId: string): void {
    this.cache.dropToken(tokenId);
  }

  forgetSession(sessionHash: string): void {
    this.cache.dropSession(sessionHash);
  }

  /** A deleted tenant takes its grants along. */
  forgetTenant(tenantId: string): void {
    this.cache.dropTenant(tenantId);
  }

  /** The session cookie's id: undefined for a session that is gone, idle too long or whose user is disabled. */
  async bySession(sessionId: string): Promise<Principal | undefined> {
    const idHash = sha256(sessionId);
    const cached = this.cache.session(idHash);
    if (cached) return this.slide(idHash, cached);
    const stamp = this.cache.stamp();
    const asked = Date.now();
    const session = await this.sessions.findLive(idHash, this.config.sessionIdleSeconds);
    if (!session || !session.user.enabled) return undefined;
    const permit = Permit.parse(session.permit);
    if (permit.authenticatesNothing) return undefined;
    // the database's now() is no earlier than `asked`: the estimate errs towards an earlier end, never a later one
    const lastUsed = asked - session.idleMs;
    const principal = this.principal(session.user, permit, 'session', session.tokenId).withSession(idHash);
    const entry: SessionEntry = { principal, lastUsed, expires: lastUsed + this.config.sessionIdleSeconds * 1000, touching: false };
    this.cache.setSession(idHash, entry, stamp);
    return this.slide(idHash, entry);
  }

  /**
   * Sliding expiry: records the use when the recorded one is older than a tenth of the idle time (the
   * debounce docs/instances.md describes), and moves the entry's end only once the database has it. The update
   * only extends a session that is still live there; one that is gone is dropped.
   */
  private slide(idHash: string, entry: SessionEntry): Principal {
    const idleMs = this.config.sessionIdleSeconds * 1000;
    const now = Date.now();
    if (now - entry.lastUsed > idleMs / 10 && !entry.touching) {
      entry.touching = true;
      this.sessions
        .touch(idHash, this.config.sessionIdleSeconds)
        .then((live) => {
          if (!live) return this.cache.dropSession(idHash);
          entry.lastUsed = now;
          entry.expires = now + idleMs;
        })
        .catch(() => undefined)
        .finally(() => (entry.touching = false));
    }
    return entry.principal;
  }

  /**
   * Username and password (or API token). A login cached for this address costs no query. An API token is checked
   * first and needs no throttle (it cannot be guessed); a password is verified only after the throttle
   * has counted the attempt.
   */
  private async fromSecret(username: unknown, secret: unknown, address: string): Promise<Principal | undefined> {
    if (typeof username !== 'string' || typeof secret !== 'string' || username === '' || secret === '') return undefined;
    const folded = foldUsername(username);
    // per client address: a guess from elsewhere never meets the owner's cached login (it goes through the throttle)
    const key = keyedHash(this.secretKey, `${folded}\u0000${address}\u0000${secret}`);
    const cached = this.cache.get(key);
    if (cached && this.throttle.allowsCached(folded, address)) return this.used(cached);
    // the same credential from the same address while it is being checked (a client's parallel first
    // requests): one attempt, one verification, one answer for all of them
    const pending = this.verifying.get(key);
    if (pending) return pending;
    const verification = this.verifySecret(username, secret, address, folded, key).finally(() => this.verifying.delete(key));
    this.verifying.set(key, verification);
    return verification;
  }

  private async verifySecret(username: string, secret: string, address: string, folded: string, key: string): Promise<Principal | undefined> {
    const stamp = this.cache.stamp();
    if (looksLikeApiToken(secret)) {
      const owner = await this.tokens.findOwner(sha256(secret));
      if (owner && foldUsername(owner.user.username) === folded) {
        const principal = this.enabledPrincipal(owner.user, owner.permit, 'token', owner.tokenId);
        if (principal) this.cache.set(key, principal, TOKEN_CACHE_MS, stamp);
        return principal && this.used(principal);
      }
    }
    const attempt = await this.throttle.beforeOperatorPassword(folded, address);
    const user = await this.users.findByName(username);
    if (!user) return verifyNothing(secret).then(() => undefined);
    if (!(await verifyPassword(user.passwordHash, secret))) return undefined;
    const principal = this.enabledPrincipal(user, '*', 'password', null);
    if (!principal) return undefined;
    await this.throttle.succeeded(attempt);
    this.cache.set(key, principal, PASSWORD_CACHE_MS, stamp);
    return principal;
  }

  /** A Bearer token. Only a token that matches nothing is counted, for the client address (throws the 429 while throttled). */
  async byBearer(token: string, address: string): Promise<Principal | undefined> {
    const principal = looksLikeApiToken(token) ? await this.fromKnownToken(token) : undefined;
    if (!principal) await this.throttle.afterFailedToken(address);
    return principal;
  }

  private async fromKnownToken(token: string): Promise<Principal | undefined> {
    const key = keyedHash(this.secretKey, `\u0000bearer\u0000${token}`);
    const cached = this.cache.get(key);
    if (cached) return this.used(cached);
    const stamp = this.cache.stamp();
    const owner = await this.tokens.findOwner(sha256(token));
    if (!owner) return undefined;
    const principal = this.enabledPrincipal(owner.user, owner.permit, 'token', owner.tokenId);
    if (principal) this.cache.set(key, principal, TOKEN_CACHE_MS, stamp);
    return principal && this.used(principal);
  }

  /** The rights of a login by this user and permit, or undefined when the user is disabled or the permit allows nothing. */
  enabledPrincipal(user: StoredUser, permitText: string, via: AuthenticatedVia, tokenId: string | null): Principal | undefined {
    const permit = Permit.parse(permitText);
    if (!user.enabled || permit.authenticatesNothing) return undefined;
    return this.principal(user, permit, via, tokenId);
  }

  private principal(user: StoredUser, permit: Permit, via: AuthenticatedVia, tokenId: string | null): Principal {
    return new Principal(user.id, user.username, user.admin, permit, via, grantsOf(user), tokenId);
  }

  /** Records a token's use (OVMS `lastused`), at most once a minute per token. */
  private used(principal: Principal): Principal {
    if (principal.tokenId && principal.via === 'token' && this.tokenTouches.due(principal.tokenId)) {
      void this.tokens.touch(principal.tokenId).catch(() => undefined);
    }
    return principal;
  }
}
