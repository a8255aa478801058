import { Authenticator } from '@app/auth';
import { conflict, notFound, writtenVersion } from '@app/common';
import { isEnabled, RegistryEvents, SearchParameters } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { storableTenant } from './tenant-body';
import { StoredTenant, TenantsRepository, TenantWriteOutcome } from './tenants.repository';

/** A tenant ready for the wire: its stored JSON as text, and its version. */
export interface TenantView {
  json: string;
  version: string;
}

/** `{"id": …, …stored body}` without parsing the stored body again. */
export function tenantJsonWithId(tenant: Pick<StoredTenant, 'id' | 'body'>): string {
  const inner = tenant.body.slice(1, -1).trim();
  return `{"id":${JSON.stringify(tenant.id)}${inner === '' ? '' : ','}${inner}}`;
}

function versionOf(outcome: TenantWriteOutcome, tenantId: string): string {
  return writtenVersion(outcome, `tenant ${tenantId}`, (failure) => {
    switch (failure.outcome) {
      case 'exists':
        return conflict(`tenant ${tenantId} already exists`);
      case 'alias-taken':
        return conflict('the alias is already used by another tenant');
      case 'trust-anchor-taken':
        return conflict(`a trusted CA with subject DN "${failure.subjectDn}" is already used by another tenant`);
    }
    throw new Error(`unexpected write outcome ${failure.outcome}`);
  });
}

/** Hono's tenant management rules; the SQL is the repository's. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly events: RegistryEvents,
    private readonly authenticator: Authenticator,
  ) {}

  async create(tenantId: string | undefined, body: Record<string, unknown>): Promise<{ id: string; version: string }> {
    const tenant = storableTenant(body);
    const id = tenantId ?? randomUUID();
    const version = versionOf(await this.tenants.create(id, tenant), id);
    await this.events.tenant('CREATE', id, isEnabled(tenant.body));
    return { id, version };
  }

  async get(tenantId: string): Promise<TenantView> {
    const tenant = await this.tenants.find(tenantId);
    if (!tenant) throw notFound(`tenant ${tenantId} not found`);
    return { json: tenant.body, version: tenant.version };
  }

  async update(tenantId: string, body: Record<string, unknown>, expected: string[] | null): Promise<string> {
    const tenant = storableTenant(body);
    const version = versionOf(await this.tenants.update(tenantId, tenant, expected), tenantId);
    await this.events.tenant('UPDATE', tenantId, isEnabled(tenant.body));
    return version;
  }

  async delete(tenantId: string, expected: string[] | null): Promise<void> {
    versionOf(await this.tenants.delete(tenantId, expected), tenantId);
    // every instance hears of the grants that died with it from the database; this one forgets them before answering
    this.authenticator.forgetTenant(tenantId);
    await this.events.tenant('DELETE', tenantId, false);
  }

  exists(tenantId: string): Promise<boolean> {
    return this.tenants.exists(tenantId);
  }

  /** Searches the tenants the caller may see (`visible`: granted ids, or null for all). */
  async search(search: SearchParameters, visible: string[] | null): Promise<string> {
    const { total, page } = await this.tenants.search(search, visible);
    if (total === 0) throw notFound('no tenants match the search');
    return `{"total":${total},"result":[${page.map(tenantJsonWithId).join(',')}]}`;
  }
}
