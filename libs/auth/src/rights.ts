/** The rights a permit can hold (OVMS permit syntax: `*` or a comma list of these). */
export const RIGHTS = ['auth', 'registry.write', 'session', 'token.admin', 'admin', 'users.admin', 'peering.admin', 'registry.adapter'] as const;
export type Right = (typeof RIGHTS)[number];

/** Rights only an admin user can exercise, whatever the permit says. */
export const ADMIN_RIGHTS: ReadonlySet<Right> = new Set<Right>(['users.admin', 'peering.admin']);

/** What a route needs: a right, and optionally read or write access to the tenant named by a route parameter. */
export interface RouteAccess {
  right: Right;
  /** The route parameter holding the tenant id, when the route lives inside one tenant. */
  tenantParam?: string;
  /** Admins only (tenant creation and changes, users, peers). */
  adminOnly?: boolean;
  /** Also accepted in place of `right` (OVMS lets `admin` stand for `token.admin`). */
  orRight?: Right;
}
