import {
  badRequest,
  CertificateError,
  CertificateSummary,
  checkPublicKey,
  checkValidityPeriod,
  describeValidationErrors,
  DistinguishedNameError,
  formatTimestamp,
  normalizeDistinguishedName,
  summarizeCertificate,
  KEY_TYPES,
} from '@app/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { CommonSecretDto, TYPES } from './dto/credential.dto';
import { bcryptCost, PasswordHash } from './password-hashing';

type Json = Record<string, unknown>;

/**
 * An auth-id is a key of the unique index (a b-tree, whose entries must stay well under PostgreSQL's
 * ~2.7 kB): real ones (names, PSK identities, subject DNs) are far shorter.
 */
export const MAX_AUTH_ID_BYTES = 1024;

const COMMON_SECRET_FIELDS = ['id', 'enabled', 'not-before', 'not-after', 'comment'];
const COMMON_CREDENTIAL_FIELDS = ['type', 'auth-id', 'enabled', 'comment', 'ext'];

/** What the prepared secret needs from the stored secret of the same id, if anything. */
export type Keep = 'nothing' | 'confidential' | 'rpk-key' | 'generic-properties';

/** One secret as it will be stored, before the stored set is known. */
export interface PreparedSecret {
  id: string;
  /** The client sent this id: a secret of that id must be on record (patch mode). */
  patches: boolean;
  /** What GET returns for it. */
  public: Json;
  /** Its new confidential part; absent when there is none or it is kept from the stored secret. */
  confidential?: Json;
  keep: Keep;
}

export interface PreparedCredential {
  type: string;
  authId: string;
  /** What GET returns, less the secrets. */
  public: Json;
  secrets: PreparedSecret[];
}

/** A credential as stored: the public JSON (with its secrets) and the confidential parts by secret id. */
export interface CredentialRow {
  type: string;
  auth_id: string;
  position: number;
  body: Json;
  confidential: Record<string, Json>;
}

/** What preparing a body needs from outside: hashing and sealing are the service's. */
export interface SecretTools {
  bcryptCost: number;
  hashPassword(password: string): Promise<PasswordHash>;
  sealPskKey(key: Buffer, secretId: string): string;
}

function pick(source: Json, fields: string[]): Json {
  const picked: Json = {};
  for (const field of fields) if (source[field] !== undefined) picked[field] = source[field];
  return picked;
}

function certificate(cert: string, where: string): CertificateSummary {
  try {
    return summarizeCertificate(Buffer.from(cert, 'base64'));
  } catch (error) {
    if (error instanceof CertificateError) throw badRequest(`${where}.cert: ${error.message}`);
    throw error;
  }
}

/**
 * An X.509 credential's auth-id: a DN in RFC 2253 normal form, anything else as given (Hono keeps an
 * auth-id that is no DN, which auth-id templates make). A trust anchor's subject DN, by contrast, must be one.
 */
export function normalizedSubjectDn(authId: string): string {
  try {
    return normalizeDistinguishedName(authId);
  } catch (error) {
    if (error instanceof DistinguishedNameError) return authId;
    throw error;
  }
}

function checkPreHashed(secret: Json, maxCost: number, where: string): PasswordHash {
  const fn = secret['hash-function'] as PasswordHash['hash-function'] | undefined;
  const hash = secret['pwd-hash'] as string | undefined;
  if (fn === undefined) throw badRequest(`${where}: pwd-plain, or hash-function and pwd-hash, are required`);
  if (hash === undefined) throw badRequest(`${where}: pwd-hash is required with hash-function`);
  if (fn === 'bcrypt') {
    const cost = bcryptCost(hash);
    if (cost === undefined) throw badRequest(`${where}.pwd-hash is not a bcrypt hash ($2a$, $2b$ or $2y$)`);
    if (cost > maxCost) throw badRequest(`${where}.pwd-hash: bcrypt cost ${cost} exceeds the maximum of ${maxCost}`);
  } else if (hash.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(hash)) {
    throw badRequest(`${where}.pwd-hash must be the Base64 encoded ${fn} digest`);
  }
  const stored: PasswordHash = { 'hash-function': fn, 'pwd-hash': hash };
  if (typeof secret.salt === 'string') stored.salt = secret.salt;
  return stored;
}

/** The common properties of a generic secret have the types every secret's have. */
function checkGenericSecret(secret: Json, where: string): void {
  const errors = validateSync(plainToInstance(CommonSecretDto, pick(secret, COMMON_SECRET_FIELDS)) as object);
  const message = describeValidationErrors(errors);
  if (message) throw badRequest(`${where}.${message}`);
}

/** One secret of a credential of `type`: validated, hashed or sealed, with its id. */
async function prepareSecret(type: string, input: Json, tools: SecretTools, where: string): Promise<PreparedSecret> {
  const patches = typeof input.id === 'string';
  const id = patches ? (input.id as string) : randomUUID();
  const secret: PreparedSecret = { id, patches, public: { ...pick(input, COMMON_SECRET_FIELDS), id }, keep: 'nothing' };
  switch (type) {
    case TYPES.password: {
      if (input['pwd-plain'] !== undefined) {
        // pwd-plain wins over any hash sent with it (Hono ignores those then)
        secret.confidential = { ...(await tools.hashPassword(input['pwd-plain'] as string)) };
      } else if (patches && input['hash-function'] === undefined && input['pwd-hash'] === undefined) {
        secret.keep = 'confidential';
      } else {
        secret.confidential = { ...checkPreHashed(input, tools.bcryptCost, where) };
      }
      break;
    }
    case TYPES.psk: {
      if (input.key !== undefined) secret.confidential = { key: tools.sealPskKey(Buffer.from(input.key as string, 'base64'), id) };
      else if (patches) secret.keep = 'confidential';
      else throw badRequest(`${where}: key is required`);
      break;
    }
    case TYPES.x509:
      break;
    case TYPES.rpk: {
      if (input.cert !== undefined) {
        const summary = certificate(input.cert as string, where);
        Object.assign(secret.public, {
          key: summary.publicKey,
          algorithm: summary.algorithm,
          'not-before': formatTimestamp(summary.notBefore),
          'not-after': formatTimestamp(summary.notAfter),
        });
      } else if (input.key !== undefined) {
        if (input.algorithm === undefined) throw badRequest(`${where}: algorithm is required with key`);
        checkPublicKey(input.key as string, input.algorithm as string, KEY_TYPES, where, 'key');
        Object.assign(secret.public, { key: input.key, algorithm: input.algorithm });
      } else if (patches && input.algorithm === undefined) {
        secret.keep = 'rpk-key';
      } else {
        throw badRequest(`${where}: key and algorithm, or cert, are required`);
      }
      break;
    }
    default: {
      checkGenericSecret(input, where);
      const properties = Object.keys(input).filter((key) => !COMMON_SECRET_FIELDS.includes(key));
      if (patches && properties.length === 0) secret.keep = 'generic-properties';
      secret.public = { ...input, id };
    }
  }
  checkValidityPeriod(secret.public, where);
  return secret;
}

/** The auth-id, the public part and the secret inputs of one credential, type by type. */
function identify(input: Json, where: string): { authId: string; secrets: Json[] } {
  if (input.type !== TYPES.x509) return { authId: input['auth-id'] as string, secrets: input.secrets as Json[] };
  if (input.cert !== undefined) {
    // the certificate gives subject and validity; auth-id and secrets sent with it are ignored (Hono)
    const summary = certificate(input.cert as string, where);
    if (summary.subjectDn === '') throw badRequest(`${where}.cert: the certificate has an empty subject`);
    return {
      authId: summary.subjectDn,
      secrets: [{ 'not-before': formatTimestamp(summary.notBefore), 'not-after': formatTimestamp(summary.notAfter) }],
    };
  }
  if (input['auth-id'] === undefined) throw badRequest(`${where}: auth-id or cert is required`);
  const secrets = input.secrets as Json[] | undefined;
  if (secrets === undefined || secrets.length !== 1) throw badRequest(`${where}: an x509-cert credential has exactly one secret`);
  return { authId: normalizedSubjectDn(input['auth-id'] as string), secrets };
}

/**
 * A validated body as it will be stored: x509 subjects normalised and certificates read, `pwd-plain`
 * hashed, PSK keys sealed, every secret with an id. Rules that need the stored set (patching by id)
 * come later, in `mergeWithStored`. Throws 400s.
 */
export async function prepareCredentials(body: Json[], tools: SecretTools): Promise<PreparedCredential[]> {
  const seen = new Set<string>();
  const prepared: PreparedCredential[] = [];
  for (const [index, input] of body.entries()) {
    const where = `credentials[${index}]`;
    const type = input.type as string;
    const { authId, secrets } = identify(input, where);
    if (Buffer.byteLength(authId) > MAX_AUTH_ID_BYTES) throw badRequest(`${where}.auth-id is longer than ${MAX_AUTH_ID_BYTES} bytes`);
    const key = `${type}\u0000${authId}`;
    if (seen.has(key)) throw badRequest(`${where}: type ${type} with auth-id "${authId}" is in the set twice`);
    seen.add(key);
    const ids = new Set<string>();
    const prepSecrets: PreparedSecret[] = [];
    for (const [secretIndex, secret] of secrets.entries()) {
      const prep = await prepareSecret(type, secret, tools, `${where}.secrets[${secretIndex}]`);
      if (ids.has(prep.id)) throw badRequest(`${where}: secret id "${prep.id}" is used twice`);
      ids.add(prep.id);
      prepSecrets.push(prep);
    }
    prepared.push({ type, authId, public: { ...pick(input, COMMON_CREDENTIAL_FIELDS), 'auth-id': authId }, secrets: prepSecrets });
  }
  return prepared;
}

export interface StoredCredential {
  type: string;
  auth_id: string;
  body: Json;
  confidential: Record<string, Json>;
}

/**
 * Patch mode (Hono's setAllCredentials): a secret sent with an id must be a secret of the stored
 * credential of the same type and auth-id; if it carries only metadata, it keeps that secret's
 * confidential data (password hash, PSK key, RPK key, generic properties). Credentials and secrets
 * left out are gone.
 */
export function mergeWithStored(prepared: PreparedCredential[], stored: StoredCredential[]): CredentialRow[] {
  const byKey = new Map(stored.map((credential) => [`${credential.type}\u0000${credential.auth_id}`, credential]));
  return prepared.map((credential, position) => {
    const onRecord = byKey.get(`${credential.type}\u0000${credential.authId}`);
    const storedSecrets = new Map(((onRecord?.body.secrets ?? []) as Json[]).map((secret) => [secret.id as string, secret]));
    const confidential: Record<string, Json> = {};
    const secrets = credential.secrets.map((secret) => {
      const previous = secret.patches ? storedSecrets.get(secret.id) : undefined;
      if (secret.patches && !previous) {
        throw badRequest(`secret id "${secret.id}" is not on record for type ${credential.type} with auth-id "${credential.authId}"`);
      }
      let publicPart = secret.public;
      let secretConfidential = secret.confidential;
      switch (secret.keep) {
        case 'confidential':
          secretConfidential = onRecord!.confidential[secret.id];
          if (!secretConfidential) throw badRequest(`secret id "${secret.id}" has no key or password on record`);
          break;
        case 'rpk-key':
          publicPart = { ...publicPart, key: previous!.key, algorithm: previous!.algorithm };
          break;
        case 'generic-properties': {
          const properties = Object.fromEntries(Object.entries(previous!).filter(([key]) => !COMMON_SECRET_FIELDS.includes(key)));
          publicPart = { ...properties, ...publicPart };
          break;
        }
      }
      if (secretConfidential) confidential[secret.id] = secretConfidential;
      return publicPart;
    });
    return { type: credential.type, auth_id: credential.authId, position, body: { ...credential.public, secrets }, confidential };
  });
}
