import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Permit } from './permit';
import { ADMIN_RIGHTS, Right } from './rights';

export type TenantAccess = 'read' | 'write';
export type AuthenticatedVia = 'password' | 'token' | 'session';

/** Who is calling, with what, and what they may do. */
export class Principal {
  constructor(
    readonly userId: string,
    readonly username: string,
    readonly admin: boolean,
    readonly permit: Permit,
    readonly via: AuthenticatedVia,
    readonly grants: ReadonlyMap<string, TenantAccess>,
    /** The API token used (directly or to open the session). */
    readonly tokenId: string | null = null,
    /** The SHA-256 of the session id, when the request came with a session cookie. */
    readonly sessionHash: string | null = null,
  ) {}

  /** Effective right = what the user may do ∩ what the credential's permit allows. */
  may(right: Right): boolean {
    if (ADMIN_RIGHTS.has(right) && !this.admin) return false;
    return this.permit.has(right);
  }

  access(tenantId: string): TenantAccess | undefined {
    return this.admin ? 'write' : this.grants.get(tenantId);
  }

  canRead(tenantId: string): boolean {
    return this.access(tenantId) !== undefined;
  }

  /** The tenants a non-admin may see; null for "all" (admins). */
  visibleTenants(): string[] | null {
    return this.admin ? null : [...this.grants.keys()];
  }

  withSession(sessionHash: string): Principal {
    return new Principal(this.userId, this.username, this.admin, this.permit, 'session', this.grants, this.tokenId, sessionHash);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The authenticated caller of the current request (set by the global guard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return request.principal!;
});
