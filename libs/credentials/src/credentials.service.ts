import { conflict, forbidden, notFound, REGISTRY_CONFIG, RegistryConfig, SECRET_KEY, writtenVersion } from '@app/common';
import { RegistryEvents } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { mergeWithStored, prepareCredentials, SecretTools } from './credential-body';
import { CredentialsRepository, ReplaceOutcome, StoredCredentialSet } from './credentials.repository';
import { PasswordHashing } from './password-hashing';
import { SecretCipher } from '@app/common';
import { PSK_KEY_INFO, pskAssociatedData } from './psk-keys';

function versionOf(outcome: ReplaceOutcome, tenantId: string, deviceId: string): string {
  return writtenVersion(outcome, `device ${deviceId} of tenant ${tenantId}`, (taken) =>
    conflict(
      taken.type === undefined
        ? `an auth-id of these credentials is already used by another device of tenant ${tenantId}`
        : `type ${taken.type} with auth-id "${taken.authId}" is already used by another device of tenant ${tenantId}`,
    ),
  );
}

/** Hono's credentials management (docs/credentials.md); the SQL is the repository's. */
@Injectable()
export class CredentialsService {
  private readonly pskCipher: SecretCipher;

  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly hashing: PasswordHashing,
    private readonly events: RegistryEvents,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    @Inject(SECRET_KEY) secretKey: string,
  ) {
    this.pskCipher = new SecretCipher(secretKey, PSK_KEY_INFO);
  }

  /** How the secrets of a tenant's credentials are stored (passwords hashed, PSK keys sealed): for the API and the import. */
  secretTools(tenantId: string): SecretTools {
    return {
      bcryptCost: this.config.bcryptCost,
      hashPassword: (password) => this.hashing.hash(password),
      sealPskKey: (key, secretId) => this.pskCipher.seal(key, pskAssociatedData(tenantId, secretId)),
    };
  }

  async get(tenantId: string, deviceId: string): Promise<StoredCredentialSet> {
    const set = await this.credentials.find(tenantId, deviceId);
    if (!set) throw notFound(`device ${deviceId} of tenant ${tenantId} not found`);
    return set;
  }

  /**
   * Replaces the device's set. Passwords are hashed first (slow, off the event loop, outside any
   * transaction); the version check, the patching by secret id and the write then happen together.
   */
  async update(tenantId: string, deviceId: string, body: Array<Record<string, unknown>>, expected: string[] | null): Promise<string> {
    const prepared = await prepareCredentials(body, this.secretTools(tenantId));
    const outcome = await this.credentials.replace(tenantId, deviceId, expected, (stored, maxCredentials) => {
      if (maxCredentials !== null && maxCredentials >= 0 && prepared.length > maxCredentials) {
        throw forbidden(`tenant ${tenantId} allows at most ${maxCredentials} credentials per device`);
      }
      return mergeWithStored(prepared, stored);
    });
    const version = versionOf(outcome, tenantId, deviceId);
    await this.events.credentials(tenantId, deviceId);
    return version;
  }
}
