import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiCookieAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { RouteAccess } from './rights';

export const ROUTE_ACCESS = 'registry:route-access';
export const PUBLIC_ROUTE = 'registry:public-route';
export const OCPI_TOKEN_ROUTE = 'registry:ocpi-token-route';
/** The operation's right and tenant parameter, for the OpenAPI document's 403/404 answers (read and removed there). */
export const ACCESS_EXTENSION = 'x-access';

/**
 * The one place a route says who may call it: the global guard reads this metadata, and the
 * OpenAPI document gets the matching security schemes (and 401/403/404 answers) from the same decorator.
 * The URL way is one requirement of two parameters: `username` and `password` together.
 */
export function Authenticated(access: RouteAccess) {
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, access),
    ApiBasicAuth('basic'),
    ApiBearerAuth('bearer'),
    ApiCookieAuth('cookie'),
    ApiSecurity({ 'url-username': [], 'url-password': [] }),
    ApiExtension(ACCESS_EXTENSION, { right: access.right, ...(access.tenantParam ? { tenantParam: access.tenantParam } : {}) }),
  );
}

/** Routes anyone may call (health, metrics, the OpenAPI document). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * OCPI routes: not the operators' ways but OCPI's `Authorization: Token …`, which the OCPI module's own
 * guard (OcpiTokenGuard) checks on each endpoint; the OpenAPI document shows that scheme.
 */
export const OcpiTokenAuthenticated = () => applyDecorators(SetMetadata(OCPI_TOKEN_ROUTE, true), ApiSecurity('ocpi-token'));
