import { RegistryError } from '@app/common';
import { authorize } from './auth.guard';
import { Permit } from './permit';
import { Principal, TenantAccess } from './principal';
import { RouteAccess } from './rights';

const caller = (permit: string, grants: Record<string, TenantAccess> = {}, admin = false) =>
  new Principal('u1', 'alice', admin, Permit.parse(permit), 'token', new Map(Object.entries(grants)), 't1');

/** The status authorize() answers with, or 'ok'. */
function outcome(principal: Principal, access: RouteAccess, params: Record<string, string> = {}): number | 'ok' {
  try {
    authorize(principal, access, params);
    return 'ok';
  } catch (error) {
    if (error instanceof RegistryError) return error.getStatus();
    throw error;
  }
}

const tenantRead: RouteAccess = { right: 'auth', tenantParam: 'tenantId' };
const tenantWrite: RouteAccess = { right: 'registry.write', tenantParam: 'tenantId' };

describe('authorize()', () => {
  it('404 for a tenant the caller may not read, before any 403 (its existence is not revealed)', () => {
    const stranger = caller('session');
    expect(outcome(stranger, tenantWrite, { tenantId: 'other' })).toBe(404);
    expect(outcome(stranger, { ...tenantRead, adminOnly: true }, { tenantId: 'other' })).toBe(404);
  });

  it('leaves a malformed tenant id to the route (its own 400)', () => {
    expect(outcome(caller('*'), tenantRead, { tenantId: 'not a tenant!' })).toBe('ok');
  });

  it('403 for a right the permit lacks; orRight stands in for it', () => {
    const reader = caller('session', { t: 'write' });
    expect(outcome(reader, tenantWrite, { tenantId: 't' })).toBe(403);
    expect(outcome(caller('admin'), { right: 'token.admin' })).toBe(403);
    expect(outcome(caller('admin'), { right: 'token.admin', orRight: 'admin' })).toBe('ok');
  });

  it('admin rights and adminOnly routes need an admin user, whatever the permit says', () => {
    expect(outcome(caller('*'), { right: 'users.admin' })).toBe(403);
    expect(outcome(caller('*', {}, true), { right: 'users.admin' })).toBe('ok');
    expect(outcome(caller('*', { t: 'write' }), { right: 'auth', adminOnly: true })).toBe(403);
    expect(outcome(caller('*', {}, true), { right: 'auth', adminOnly: true })).toBe('ok');
  });

  it('a write needs write access to the tenant; read access reads', () => {
    const readOnly = caller('*', { t: 'read' });
    expect(outcome(readOnly, tenantRead, { tenantId: 't' })).toBe('ok');
    expect(outcome(readOnly, tenantWrite, { tenantId: 't' })).toBe(403);
    expect(outcome(caller('*', { t: 'write' }), tenantWrite, { tenantId: 't' })).toBe('ok');
    expect(outcome(caller('*', {}, true), tenantWrite, { tenantId: 'any' })).toBe('ok');
  });
});
