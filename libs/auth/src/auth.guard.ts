import { forbidden, notFound, REGISTRY_CONFIG, RegistryConfig, TENANT_ID_PATTERN, unauthorized } from '@app/common';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PUBLIC_ROUTE, ROUTE_ACCESS } from './authenticated.decorator';
import { Authenticator } from './authenticator';
import { refuseCrossSiteWrites } from './cross-site';
import { Principal } from './principal';
import { RouteAccess } from './rights';

/** Routes that declare nothing still need an authenticated caller: secure by default. */
const DEFAULT_ACCESS: RouteAccess = { right: 'auth' };

/**
 * The one global guard. Order of answers: 401 (who are you?), 404 for a tenant the caller may not
 * read (its existence is not revealed), then 403 for a right the caller's permit or grant lacks.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const access = this.reflector.getAllAndOverride<RouteAccess>(ROUTE_ACCESS, targets) ?? DEFAULT_ACCESS;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticator.authenticate(request);
    if (!principal) throw unauthorized();
    request.principal = principal;
    refuseCrossSiteWrites(request, principal, this.config.publicUrl);
    dropCredentialsFromQuery(request);
    authorize(principal, access, (request.params ?? {}) as Record<string, string>);
    return true;
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
