import { AttemptThrottle, keyedHash, Principal } from '@app/auth';
import { applyIdentityTemplate, badRequest, DistinguishedNameError, IdentityTemplateError, normalizeDistinguishedName, SECRET_KEY, unauthorized } from '@app/common';
import { TenantsRepository } from '@app/tenants';
import { Inject, Injectable } from '@nestjs/common';
import { normalizedSubjectDn } from './credential-body';
import { CredentialForAuthentication, CredentialsRepository } from './credentials.repository';
import { DeviceAuthenticationDto, DeviceIdentityDto } from './dto/device-authentication.dto';
import { PasswordHashing } from './password-hashing';

type Secret = Record<string, unknown>;

/** Enabled unless it says `enabled: false`, and now inside its validity window (if it has one). */
export function usable(secret: Secret, now: number): boolean {
  if (secret.enabled === false) return false;
  const notBefore = typeof secret['not-before'] === 'string' ? Date.parse(secret['not-before']) : undefined;
  const notAfter = typeof secret['not-after'] === 'string' ? Date.parse(secret['not-after']) : undefined;
  return (notBefore === undefined || now >= notBefore) && (notAfter === undefined || now <= notAfter);
}

function issuerDnOf(text: string): string {
  try {
    return normalizeDistinguishedName(text);
  } catch (error) {
    if (error instanceof DistinguishedNameError) throw badRequest(`issuer-dn is not a distinguished name: ${error.message}`);
    throw error;
  }
}

/**
 * Checks a device's credentials for a protocol adapter (docs/credentials.md; an extension of Hono's API): 200 with the device's
 * identity, or one and the same 401 whatever went wrong — unknown tenant, device or auth-id, anything
 * disabled, no secret valid now, a wrong password. Attempts are counted before the check, per calling
 * account and (tenant, auth-id): one adapter account's failures do not lock the device out for another.
 */
@Injectable()
export class DeviceAuthenticationService {
  /** Attempts being checked, by a keyed hash of caller and request (no password is kept in memory). */
  private readonly checking = new Map<string, Promise<DeviceIdentityDto>>();

  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly tenants: TenantsRepository,
    private readonly hashing: PasswordHashing,
    private readonly throttle: AttemptThrottle,
    @Inject(SECRET_KEY) private readonly secretKey: string,
  ) {}

  /**
   * The same attempt of the same caller sent again while it is being checked (an adapter's parallel retries)
   * shares that check, as operator logins do: one count, one bcrypt check, one answer. A repeated guess tells
   * nothing new, so it is not counted again; any other attempt is counted on its own.
   */
  authenticate(caller: Principal, tenantId: string, request: DeviceAuthenticationDto): Promise<DeviceIdentityDto> {
    const same = [caller.userId, tenantId, request.type, request['auth-id'], request['issuer-dn'] ?? null, request.password ?? null];
    const key = keyedHash(this.secretKey, JSON.stringify(same));
    const pending = this.checking.get(key);
    if (pending) return pending;
    const check = this.check(caller, tenantId, request).finally(() => this.checking.delete(key));
    this.checking.set(key, check);
    return check;
  }

  private async check(caller: Principal, tenantId: string, request: DeviceAuthenticationDto): Promise<DeviceIdentityDto> {
    const isPassword = request.type === 'hashed-password';
    if (isPassword && request.password === undefined) throw badRequest('password is required for hashed-password');
    if (isPassword && request['issuer-dn'] !== undefined) throw badRequest('issuer-dn is for x509-cert only');
    const issuerDn = request['issuer-dn'] === undefined ? undefined : issuerDnOf(request['issuer-dn']);
    const subject = isPassword ? request['auth-id'] : normalizedSubjectDn(request['auth-id']);
    const attempt = await this.throttle.beforeDeviceCheck(caller.userId, tenantId, subject);
    const authId = issuerDn === undefined ? subject : await this.authIdFromTrustedCa(tenantId, issuerDn, subject);
    const credential = authId === undefined ? undefined : await this.credentials.findForAuthentication(tenantId, request.type, authId);
    const verified = isPassword ? await this.verifyPassword(credential, request.password!) : this.verifyCertificate(credential);
    if (!verified) {
      // the very answer the guard gives a caller without credentials: nothing tells the reasons apart
      throw unauthorized();
    }
    await this.throttle.succeeded(attempt);
    return { 'tenant-id': tenantId, 'device-id': credential!.device_id, 'auth-id': credential!.auth_id };
  }

  /**
   * The auth-id of a certificate issued by `issuerDn`, as Hono's adapters derive it: the subject DN put
   * through the auth-id-template of that trusted CA of the tenant, or the subject DN itself when the CA
   * has no template. Undefined (hence a 401) when the issuer is not a trusted CA valid now, or the
   * subject lacks an attribute the template names.
   */
  private async authIdFromTrustedCa(tenantId: string, issuerDn: string, subjectDn: string): Promise<string | undefined> {
    const now = Date.now();
    const ca = (await this.tenants.trustedCas(tenantId, issuerDn)).find((candidate) => usable({ 'not-before': candidate.not_before, 'not-after': candidate.not_after }, now));
    if (!ca) return undefined;
    if (!ca.auth_id_template) return subjectDn;
    try {
      return applyIdentityTemplate(ca.auth_id_template, subjectDn);
    } catch (error) {
      if (error instanceof IdentityTemplateError || error instanceof DistinguishedNameError) return undefined;
      throw error;
    }
  }

  private enabled(credential: CredentialForAuthentication | undefined): credential is CredentialForAuthentication {
    return credential !== undefined && credential.tenant_enabled && credential.device_enabled && credential.body.enabled !== false;
  }

  /** Every usable secret is tried; an unknown or disabled credential costs one bcrypt check all the same. */
  private async verifyPassword(credential: CredentialForAuthentication | undefined, password: string): Promise<boolean> {
    const now = Date.now();
    const secrets = this.enabled(credential) ? credential.body.secrets.filter((secret) => usable(secret, now)) : [];
    for (const secret of secrets) {
      const stored = credential!.confidential[secret.id as string];
      if (stored && (await this.hashing.verify(password, stored))) return true;
    }
    if (secrets.length === 0) await this.hashing.verifyNothing(password);
    return false;
  }

  /** The adapter has verified the client certificate; here only the registration is checked. */
  private verifyCertificate(credential: CredentialForAuthentication | undefined): boolean {
    const now = Date.now();
    return this.enabled(credential) && credential.body.secrets.some((secret) => usable(secret, now));
  }
}
