import { REGISTRY_CONFIG, RegistryConfig, SECRET_KEY, tooManyRequests } from '@app/common';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CredentialCache } from './credential-cache';
import { LoginThrottle } from './login-throttle';
import { Permit } from './permit';
import { AuthenticatedVia, Principal, TenantAccess } from './principal';
import { keyedHash, looksLikeApiToken, sha256, verifyNothing, verifyPassword } from './secrets';
import { SessionsRepository } from './sessions/sessions.repository';
import { TokensRepository } from './tokens/tokens.repository';
import { foldUsername, StoredUser, UsersRepository } from './users/users.repository';

export const SESSION_COOKIE = 'ovmsapisession';
const PASSWORD_CACHE_MS = 30_000;
const TOKEN_CACHE_MS = 10_000;
const TOKEN_TOUCH_MS = 60_000;

/** A credential as the request carries it, before it is checked. */
type Presented =
  | { kind: 'secret'; username: unknown; secret: unknown }
  | { kind: 'bearer'; token: string }
  | { kind: 'none' };

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

export function sessionIdFrom(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=').replace(/^"(.*)"$/, '$1') || undefined;
  }
  return undefined;
}

function presented(request: FastifyRequest): Presented {
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (query.username !== undefined || query.password !== undefined) {
    return { kind: 'secret', username: first(query.username), secret: first(query.password) };
  }
  const authorization = request.headers.authorization;
  if (authorization) {
    const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? { kind: 'secret', username: undefined, secret: undefined } : { kind: 'secret', username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
    }
    if (/^bearer$/i.test(scheme)) return { kind: 'bearer', token: value };
  }
  return { kind: 'none' };
}

function grantsOf(user: StoredUser): Map<string, TenantAccess> {
  return new Map(user.tenants.map((grant) => [grant.tenant, grant.access]));
}

/**
 * Finds out who is calling, in OVMS order: the session cookie, then username and password (or API
 * token) in the URL, then HTTP Basic, then a Bearer token. Returns undefined for "not authenticated";
 * the caller answers that with one 401 whatever the reason.
 */
@Injectable()
export class Authenticator {
  readonly cache = new CredentialCache();
  private readonly throttle = new LoginThrottle();
  private readonly tokenTouched = new Map<string, number>();

  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokensRepository,
    private readonly sessions: SessionsRepository,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    @Inject(SECRET_KEY) private readonly secretKey: string,
  ) {}

  async authenticate(request: FastifyRequest): Promise<Principal | undefined> {
    const sessionId = sessionIdFrom(request);
    if (sessionId) {
      const principal = await this.fromSession(sessionId);
      if (principal) return principal;
    }
    const credential = presented(request);
    switch (credential.kind) {
      case 'secret':
        return this.withThrottle(typeof credential.username === 'string' ? credential.username : undefined, request.ip, () =>
          this.fromSecret(credential.username, credential.secret),
        );
      case 'bearer':
        return this.withThrottle(undefined, request.ip, () => this.fromToken(credential.token));
      default:
        return undefined;
    }
  }

  /**
   * A username and password (or API token) presented outside HTTP (SASL PLAIN on the AMQP surface):
   * the same verification, cache and throttle. Throws the 429 error while throttled.
   */
  authenticatePassword(username: string, secret: string, address: string): Promise<Principal | undefined> {
    return this.withThrottle(username, address, () => this.fromSecret(username, secret));
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

  private async withThrottle(username: string | undefined, address: string, verify: () => Promise<Principal | undefined>) {
    const wait = this.throttle.retryAfter(username, address);
    if (wait > 0) throw tooManyRequests(wait);
    const principal = await verify();
    if (principal) this.throttle.success(principal.username);
    else this.throttle.failure(username, address);
    return principal;
  }

  private async fromSession(sessionId: string): Promise<Principal | undefined> {
    const idHash = sha256(sessionId);
    const session = await this.sessions.findLive(idHash, this.config.sessionIdleSeconds);
    if (!session || !session.user.enabled) return undefined;
    const permit = Permit.parse(session.permit);
    if (permit.authenticatesNothing) return undefined;
    // Sliding expiry; the write is debounced to a tenth of the idle time.
    if (Date.now() - new Date(session.lastUsed).getTime() > (this.config.sessionIdleSeconds * 1000) / 10) {
      void this.sessions.touch(idHash).catch(() => undefined);
    }
    return this.principal(session.user, permit, 'session', session.tokenId).withSession(idHash);
  }

  private async fromSecret(username: unknown, secret: unknown): Promise<Principal | undefined> {
    if (typeof username !== 'string' || typeof secret !== 'string' || username === '' || secret === '') return undefined;
    const key = keyedHash(this.secretKey, `${foldUsername(username)}\u0000${secret}`);
    const cached = this.cache.get(key);
    if (cached) return this.used(cached);
    if (looksLikeApiToken(secret)) {
      const owner = await this.tokens.findOwner(sha256(secret));
      if (owner && foldUsername(owner.user.username) === foldUsername(username)) {
        const principal = this.enabledPrincipal(owner.user, owner.permit, 'token', owner.tokenId);
        if (principal) this.cache.set(key, principal, TOKEN_CACHE_MS);
        return principal && this.used(principal);
      }
    }
    const user = await this.users.findByName(username);
    if (!user) return verifyNothing(secret).then(() => undefined);
    if (!(await verifyPassword(user.password_hash, secret))) return undefined;
    const principal = this.enabledPrincipal(user, '*', 'password', null);
    if (principal) this.cache.set(key, principal, PASSWORD_CACHE_MS);
    return principal;
  }

  private async fromToken(token: string): Promise<Principal | undefined> {
    if (!looksLikeApiToken(token)) return undefined;
    const key = keyedHash(this.secretKey, `\u0000bearer\u0000${token}`);
    const cached = this.cache.get(key);
    if (cached) return this.used(cached);
    const owner = await this.tokens.findOwner(sha256(token));
    if (!owner) return undefined;
    const principal = this.enabledPrincipal(owner.user, owner.permit, 'token', owner.tokenId);
    if (principal) this.cache.set(key, principal, TOKEN_CACHE_MS);
    return principal && this.used(principal);
  }

  private enabledPrincipal(user: StoredUser, permitText: string, via: AuthenticatedVia, tokenId: string | null): Principal | undefined {
    const permit = Permit.parse(permitText);
    if (!user.enabled || permit.authenticatesNothing) return undefined;
    return this.principal(user, permit, via, tokenId);
  }

  private principal(user: StoredUser, permit: Permit, via: AuthenticatedVia, tokenId: string | null): Principal {
    return new Principal(user.id, user.username, user.admin, permit, via, grantsOf(user), tokenId);
  }

  /** Records a token's use (OVMS `lastused`), at most once a minute per token. */
  private used(principal: Principal): Principal {
    if (principal.tokenId && principal.via === 'token') {
      const last = this.tokenTouched.get(principal.tokenId) ?? 0;
      if (Date.now() - last > TOKEN_TOUCH_MS) {
        this.tokenTouched.set(principal.tokenId, Date.now());
        void this.tokens.touch(principal.tokenId).catch(() => undefined);
      }
    }
    return principal;
  }
}
