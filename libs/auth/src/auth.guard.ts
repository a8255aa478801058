import { forbidden, notFound, REGISTRY_CONFIG, RegistryConfig, TENANT_ID_PATTERN, unauthorized } from '@app/common';
import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { OCPI_TOKEN_ROUTE, PUBLIC_ROUTE, ROUTE_ACCESS } from './authenticated.decorator';
import { Authenticator } from './authenticator';
import { refuseCrossSiteWrites } from './cross-site';
import { Principal } from './principal';
import { RouteAccess } from './rights';
import { OVMS_WAYS, useOvmsWays, WaysOptions } from './strategies';

/** Routes that declare nothing still need an authenticated caller: secure by default. */
const DEFAULT_ACCESS: RouteAccess = { right: 'auth' };

/**
 * The one global guard: passport tries the four ways in OVMS order (cookie, URL, Basic, Bearer; see
 * strategies/). Order of answers: 401 (who are you?) or the throttle's 429, 404 for a tenant the caller
 * may not read (its existence is not revealed), then 403 for a right the caller's permit or grant lacks.
 * Errors are RegistryErrors, so each surface answers them in its own format (the exception filter).
 */
@Injectable()
export class AuthGuard extends PassportAuthGuard(OVMS_WAYS) {
  private readonly ways: WaysOptions & { property: 'principal' };
  /** What each route handler declares (metadata does not change after start-up: read once per handler, not per request). */
  private readonly declared = new WeakMap<object, Map<object, RouteAccess | 'not-ours'>>();

  constructor(
    private readonly reflector: Reflector,
    authenticator: Authenticator,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {
    super();
    useOvmsWays();
    // one options object for every request: the strategies verify with this application's Authenticator
    this.ways = { session: false, property: 'principal', authenticator };
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.accessOf(context);
    if (access === 'not-ours') return true;
    await super.canActivate(context);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = request.principal!;
    refuseCrossSiteWrites(request, principal, this.config.publicUrl);
    dropCredentialsFromQuery(request);
    authorize(principal, access, (request.params ?? {}) as Record<string, string>);
    return true;
  }

  /** The route's declared access, or 'not-ours' for a public route and an OCPI peer's (which has a guard of its own). */
  private accessOf(context: ExecutionContext): RouteAccess | 'not-ours' {
    const handler = context.getHandler();
    const controller = context.getClass();
    let ofController = this.declared.get(controller);
    if (ofController === undefined) this.declared.set(controller, (ofController = new Map()));
    let access = ofController.get(handler);
    if (access === undefined) {
      const targets = [handler, controller];
      const notOurs = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) || this.reflector.getAllAndOverride<boolean>(OCPI_TOKEN_ROUTE, targets);
      access = notOurs ? 'not-ours' : (this.reflector.getAllAndOverride<RouteAccess>(ROUTE_ACCESS, targets) ?? DEFAULT_ACCESS);
      ofController.set(handler, access);
    }
    return access;
  }

  override getAuthenticateOptions(): WaysOptions & { property: 'principal' } {
    return this.ways;
  }

  /** A strategy's error (URL credentials that are wrong, the throttle's 429, a database failure) wins; no principal is a 401. */
  override handleRequest<TUser = Principal>(error: unknown, principal: TUser | false): TUser {
    if (error) throw error;
    if (!principal) throw unauthorized();
    return principal;
  }
}

/** Route handlers never see the URL credentials (and searches do not mistake them for parameters). */
function dropCredentialsFromQuery(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined;
  if (query && typeof query === 'object') {
    delete query.username;
    delete query.password;
  }
}

export function authorize(principal: Principal, access: RouteAccess, params: Record<string, string>): void {
  const tenantId = access.tenantParam ? params[access.tenantParam] : undefined;
  // A malformed id is left to the route's own 400.
  if (tenantId !== undefined && TENANT_ID_PATTERN.test(tenantId) && !principal.canRead(tenantId)) {
    throw notFound(`tenant ${tenantId} not found`);
  }
  const hasRight = principal.may(access.right) || (access.orRight !== undefined && principal.may(access.orRight));
  if (!hasRight) throw forbidden(`this credential lacks the right "${access.right}"`);
  if (access.adminOnly && !principal.admin) throw forbidden('only administrators may do this');
  if (access.right === 'registry.write' && tenantId !== undefined && principal.access(tenantId) === 'read') {
    throw forbidden(`read-only access to tenant ${tenantId}`);
  }
}
