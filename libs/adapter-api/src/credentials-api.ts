import {
  applyIdentityTemplate,
  CertificateError,
  DistinguishedNameError,
  IdentityTemplateError,
  RegistryError,
  SECRET_KEY,
  SecretCipher,
  summarizeCertificate,
} from '@app/common';
import {
  CredentialForAuthentication,
  CredentialsRepository,
  CredentialsService,
  normalizedSubjectDn,
  PSK_KEY_INFO,
  pskAssociatedData,
  usable,
} from '@app/credentials';
import { DevicesService } from '@app/devices';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import { AdapterApiRepository } from './adapter-api.repository';
import { BatchedLookup } from './batched-lookup';
import { ApiRequest, ApiResult, failure, jsonObjectOf, maxAge, NO_CACHE } from './hono-messages';

type Json = Record<string, unknown>;

const X509 = 'x509-cert';
const PASSWORD = 'hashed-password';
/** How long adapters may keep passwords and certificates (Hono's MongoDB registry); other types are not cached. */
const CACHE_CONTROL = (type: string) => (type === PASSWORD || type === X509 ? maxAge(180) : NO_CACHE);
const NOT_FOUND = failure(404, 'no matching credentials');
const GATEWAY_AUTHORITIES = ['auto-provisioning-enabled'];

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every key of the client context that the credential's `ext` also has must be equal there (Hono). */
function matchesContext(credential: CredentialForAuthentication, context: Json): boolean {
  const ext = (credential.body as Json).ext as Json | undefined;
  if (!ext || typeof ext !== 'object') return true;
  return Object.entries(context).every(([key, value]) => !(key in ext) || sameJson(ext[key], value));
}

/** Hono's Credentials API (`credentials/${tenant}`, operation `get`): the secrets with their confidential parts. */
@Injectable()
export class CredentialsApi {
  private readonly logger = new Logger('CredentialsApi');
  private readonly pskCipher: SecretCipher;
  /** The requests that arrive together, looked up in one statement per tenant and type. */
  private readonly lookups = new BatchedLookup<{ tenantId: string; type: string; authId: string }, CredentialForAuthentication | undefined>(
    (query) => `${query.tenantId}\u0000${query.type}`,
    async (queries) => {
      const { tenantId, type } = queries[0];
      const found = await this.credentials.findManyForAuthentication(tenantId, type, [...new Set(queries.map((query) => query.authId))]);
      const byAuthId = new Map(found.map((credential) => [credential.auth_id, credential]));
      return queries.map((query) => byAuthId.get(query.authId));
    },
  );

  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly credentialsService: CredentialsService,
    private readonly devices: DevicesService,
    private readonly repository: AdapterApiRepository,
    @Inject(SECRET_KEY) secretKey: string,
  ) {
    this.pskCipher = new SecretCipher(secretKey, PSK_KEY_INFO);
  }

  async handle(tenantId: string, request: ApiRequest): Promise<ApiResult> {
    if (request.operation !== 'get') return failure(400, `unsupported operation "${request.operation}"`);
    const criteria = jsonObjectOf(request.body);
    if (!criteria) return failure(400, 'the request body must be a JSON object with type and auth-id');
    const { type, 'auth-id': rawAuthId, 'device-id': deviceId, ...context } = criteria;
    if (typeof type !== 'string' || type === '') return failure(400, 'type is required');
    if ((rawAuthId === undefined) === (deviceId === undefined)) return failure(400, 'exactly one of auth-id and device-id is required');
    if (rawAuthId === undefined) return failure(501, 'getting credentials by device-id is not supported');
    if (typeof rawAuthId !== 'string' || rawAuthId === '') return failure(400, 'auth-id must be a non-empty string');
    const authId = type === X509 ? normalizedSubjectDn(rawAuthId) : rawAuthId;
    const found = await this.lookups.load({ tenantId, type, authId });
    if (found) return this.answer(tenantId, found, context, 200);
    if (type === X509 && typeof context['client-certificate'] === 'string') {
      return this.provision(tenantId, authId, context['client-certificate'], context);
    }
    return NOT_FOUND;
  }

  private answer(tenantId: string, credential: CredentialForAuthentication, context: Json, status: number): ApiResult {
    const body = credential.body as Json & { secrets: Json[] };
    if (!credential.device_enabled || body.enabled === false || !matchesContext(credential, context)) return NOT_FOUND;
    const now = Date.now();
    const secrets = body.secrets.filter((secret) => usable(secret, now)).map((secret) => this.withConfidentialPart(tenantId, credential, secret));
    if (secrets.length === 0) return NOT_FOUND;
    const type = body.type as string;
    const result: Json = { 'device-id': credential.device_id, type, 'auth-id': credential.auth_id, enabled: true, secrets };
    if (body.ext !== undefined) result.ext = body.ext;
    return { status, body: result, deviceId: credential.device_id, cacheControl: CACHE_CONTROL(type) };
  }

  /** The secret as an adapter needs it: password hash, salt and function, or the PSK key (decrypted). */
  private withConfidentialPart(tenantId: string, credential: CredentialForAuthentication, secret: Json): Json {
    const confidential = credential.confidential[secret.id as string] as Json | undefined;
    if (!confidential) return secret;
    if (typeof confidential.key === 'string') {
      return { ...secret, key: this.pskCipher.open(confidential.key, pskAssociatedData(tenantId, secret.id as string)).toString('base64') };
    }
    return { ...secret, ...confidential };
  }

  /**
   * Auto-provisioning from a client certificate (Hono's DeviceAndGatewayAutoProvisioner): when its issuer
   * is a trusted CA of the tenant that allows it and signed it, the device and its x509 credential are
   * created, and the answer is 201. Any other certificate is a plain 404.
   */
  private async provision(tenantId: string, authId: string, encoded: string, context: Json): Promise<ApiResult> {
    let summary;
    let certificate: X509Certificate;
    try {
      const der = Buffer.from(encoded, 'base64');
      summary = summarizeCertificate(der);
      certificate = new X509Certificate(der);
    } catch (error) {
      if (error instanceof CertificateError) return failure(400, `client-certificate: ${error.message}`);
      throw error;
    }
    const tenant = await this.repository.tenant(tenantId);
    const now = Date.now();
    const ca = ((tenant?.body['trusted-ca'] ?? []) as Json[]).find(
      (candidate) =>
        candidate['subject-dn'] === summary.issuerDn &&
        candidate['auto-provisioning-enabled'] === true &&
        usable({ 'not-before': candidate['not-before'], 'not-after': candidate['not-after'] }, now) &&
        signedBy(certificate, candidate),
    );
    if (!ca || now < summary.notBefore.getTime() || now > summary.notAfter.getTime()) return NOT_FOUND;
    let deviceId: string;
    try {
      const template = ca['auto-provisioning-device-id-template'] as string | undefined;
      deviceId = template ? applyIdentityTemplate(template, summary.subjectDn) : randomUUID();
    } catch (error) {
      if (error instanceof IdentityTemplateError || error instanceof DistinguishedNameError) return failure(400, `client-certificate: ${error.message}`);
      throw error;
    }
    const device: Json = ca['auto-provision-as-gateway'] === true ? { authorities: GATEWAY_AUTHORITIES } : {};
    try {
      await this.devices.create(tenantId, deviceId, device, { autoProvisioned: true });
      await this.credentialsService.update(tenantId, deviceId, [{ type: X509, 'auth-id': authId, secrets: [{}] }], null);
    } catch (error) {
      // a concurrent request provisioned it first, or the tenant's limits forbid it
      if (!(error instanceof RegistryError)) throw error;
      this.logger.warn(`auto-provisioning ${authId} in tenant ${tenantId} failed: ${error.message}`);
      const found = await this.credentials.findForAuthentication(tenantId, X509, authId);
      return found ? this.answer(tenantId, found, context, 200) : failure(error.getStatus() === 409 ? 404 : error.getStatus(), error.message);
    }
    const created = await this.credentials.findForAuthentication(tenantId, X509, authId);
    return created ? this.answer(tenantId, created, context, 201) : NOT_FOUND;
  }
}

function signedBy(certificate: X509Certificate, ca: Json): boolean {
  try {
    return certificate.verify(createPublicKey({ key: Buffer.from(ca['public-key'] as string, 'base64'), format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}
