import { DistinguishedNameError, normalizeDistinguishedName } from '@app/common';
import type { Principal } from '@app/auth';
import { Injectable } from '@nestjs/common';
import { AdapterApiRepository, TenantRow } from './adapter-api.repository';
import { ApiRequest, ApiResult, failure, jsonObjectOf, maxAge } from './hono-messages';

type Json = Record<string, unknown>;

/** How long adapters may keep a tenant (Hono's MongoDB registry). */
const TENANT_MAX_AGE = maxAge(180);

/** What a stored tenant carries into Hono's TenantObject, as stored. */
const AS_STORED = ['defaults', 'minimum-message-size', 'resource-limits', 'tracing', 'ext'];

function inValidity(ca: Json, now: number): boolean {
  const notBefore = typeof ca['not-before'] === 'string' ? Date.parse(ca['not-before']) : -Infinity;
  const notAfter = typeof ca['not-after'] === 'string' ? Date.parse(ca['not-after']) : Infinity;
  return now >= notBefore && now <= notAfter;
}

/** A trusted CA as Hono's TenantObject has it: no validity, no device-id template, only while valid. */
function trustAnchor(ca: Json): Json {
  const anchor: Json = {
    'subject-dn': ca['subject-dn'],
    'public-key': ca['public-key'],
    algorithm: ca.algorithm ?? 'RSA',
    'auto-provisioning-enabled': ca['auto-provisioning-enabled'] === true,
  };
  if (ca['auth-id-template'] !== undefined) anchor['auth-id-template'] = ca['auth-id-template'];
  if (ca.id !== undefined) anchor.id = ca.id;
  return anchor;
}

/** The answer body of Tenant `get`: Hono's TenantObject for a stored tenant. */
export function tenantObject(tenant: TenantRow, now = Date.now()): Json {
  const body = tenant.body;
  const result: Json = { 'tenant-id': tenant.id, enabled: body.enabled !== false };
  for (const field of AS_STORED) if (body[field] !== undefined) result[field] = body[field];
  if (Array.isArray(body.adapters)) {
    result.adapters = (body.adapters as Json[]).map((adapter) => ({ enabled: false, 'device-authentication-required': true, ...adapter }));
  }
  if (Array.isArray(body['trusted-ca'])) {
    const anchors = (body['trusted-ca'] as Json[]).filter((ca) => inValidity(ca, now)).map(trustAnchor);
    if (anchors.length > 0) result['trusted-ca'] = anchors;
  }
  return result;
}

/** Hono's Tenant API (`tenant`, operation `get`) by `tenant-id` (or alias) or by a trusted CA's `subject-dn`. */
@Injectable()
export class TenantApi {
  constructor(private readonly repository: AdapterApiRepository) {}

  async handle(principal: Principal, request: ApiRequest): Promise<ApiResult> {
    if (request.operation !== 'get') return failure(400, `unsupported operation "${request.operation}"`);
    const criteria = jsonObjectOf(request.body);
    if (!criteria) return failure(400, 'the request body must be a JSON object with tenant-id or subject-dn');
    const { 'tenant-id': tenantId, 'subject-dn': subjectDn } = criteria;
    if ((tenantId === undefined) === (subjectDn === undefined)) return failure(400, 'exactly one of tenant-id and subject-dn is required');
    if (tenantId !== undefined) {
      if (typeof tenantId !== 'string' || tenantId === '') return failure(400, 'tenant-id must be a non-empty string');
      return this.answer(principal, await this.repository.tenantByIdOrAlias(tenantId), tenantId);
    }
    if (typeof subjectDn !== 'string' || subjectDn === '') return failure(400, 'subject-dn must be a non-empty string');
    let normalized: string;
    try {
      normalized = normalizeDistinguishedName(subjectDn);
    } catch (error) {
      if (error instanceof DistinguishedNameError) return failure(400, `subject-dn is not an RFC 2253 distinguished name: ${error.message}`);
      throw error;
    }
    const found = await this.repository.tenantsBySubjectDn(normalized);
    // a DN shared by the tenants of one trust anchor group names no single tenant
    return this.answer(principal, found.length === 1 ? found[0] : undefined, undefined);
  }

  /**
   * 403 for a tenant the caller may not read, as Hono answers here; an unknown tenant is a 404 for
   * callers who may read every tenant, and a 403 for the others (they learn nothing either way).
   */
  private answer(principal: Principal, tenant: TenantRow | undefined, requestedId: string | undefined): ApiResult {
    if (!tenant) {
      const mayKnow = principal.visibleTenants() === null || (requestedId !== undefined && principal.canRead(requestedId));
      return mayKnow ? failure(404, 'tenant not found') : failure(403, 'not authorized to read the tenant');
    }
    if (!principal.canRead(tenant.id)) return failure(403, 'not authorized to read the tenant');
    return { status: 200, body: tenantObject(tenant), cacheControl: TENANT_MAX_AGE, tenantId: tenant.id };
  }
}
