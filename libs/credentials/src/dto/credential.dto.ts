import { IsBase64Bytes, IsJsonObject, IsNonEmptyText, IsRfc3339, NestedObjectList, Optional } from '@app/common';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { HASH_FUNCTIONS } from '../password-hashing';

/** Hono's patterns (docs/http.md). */
export const CREDENTIAL_TYPE_PATTERN = /^[a-z0-9-]+$/;
export const PASSWORD_AUTH_ID_PATTERN = /^[A-Za-z0-9_=.-]+$/;
export const MAX_TYPE_LENGTH = 256;

export const TYPES = { password: 'hashed-password', psk: 'psk', x509: 'x509-cert', rpk: 'rpk' } as const;

/** One authentication attempt verifies at most this many secrets (bcrypt is expensive by design). */
export const MAX_SECRETS_PER_CREDENTIAL = 10;
const SECRET = 'each secret must be a JSON object';

/** A list of secrets: an array of objects, each validated as `type`; at most MAX_SECRETS_PER_CREDENTIAL. */
function Secrets(type: () => new () => object, required = true) {
  return applyDecorators(
    ...(required ? [] : [Optional()]),
    NestedObjectList(type, SECRET),
    ...(required ? [ArrayMinSize(1)] : []),
    ArrayMaxSize(MAX_SECRETS_PER_CREDENTIAL, { message: `a credential holds at most ${MAX_SECRETS_PER_CREDENTIAL} secrets` }),
  );
}

/** The properties every secret has (`CommonSecret`). */
export class CommonSecretDto {
  @ApiPropertyOptional({ description: 'assigned by the registry; send it back to keep (patch) this secret', example: '349556ea-4902-47c7-beb0-1009ab693fb4' })
  @Optional()
  @IsNonEmptyText(256)
  id?: string;

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z' })
  @Optional()
  @IsRfc3339()
  'not-before'?: string;

  @ApiPropertyOptional({ example: '2027-12-24T19:00:00Z' })
  @Optional()
  @IsRfc3339()
  'not-after'?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  comment?: string;
}

export class PasswordSecretDto extends CommonSecretDto {
  @ApiPropertyOptional({ writeOnly: true, description: 'hashed by the registry with bcrypt; never stored nor returned' })
  @Optional()
  @IsNonEmptyText(1024)
  'pwd-plain'?: string;

  @ApiPropertyOptional({ enum: HASH_FUNCTIONS, writeOnly: true })
  @Optional()
  @IsIn(HASH_FUNCTIONS, { message: `hash-function must be one of ${HASH_FUNCTIONS.join(', ')}` })
  'hash-function'?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'bcrypt hash, or Base64 of SHA-xxx(salt ‖ password)' })
  @Optional()
  @IsNonEmptyText(1024)
  'pwd-hash'?: string;

  @ApiPropertyOptional({ format: 'byte', writeOnly: true })
  @Optional()
  @IsBase64Bytes()
  salt?: string;
}

export class PskSecretDto extends CommonSecretDto {
  @ApiPropertyOptional({ format: 'byte', writeOnly: true, description: 'the shared key; required unless the secret is kept by its id' })
  @Optional()
  @IsBase64Bytes()
  key?: string;
}

export class X509CertificateSecretDto extends CommonSecretDto {}

export class RpkSecretDto extends CommonSecretDto {
  @ApiPropertyOptional({ format: 'byte', description: 'Base64 DER SubjectPublicKeyInfo' })
  @Optional()
  @IsBase64Bytes()
  key?: string;

  @ApiPropertyOptional({ example: 'EC', description: 'required with key' })
  @Optional()
  @IsString()
  @IsNotEmpty()
  algorithm?: string;

  @ApiPropertyOptional({ format: 'byte', writeOnly: true, description: 'Base64 DER X.509 certificate: key, algorithm and validity are taken from it' })
  @Optional()
  @IsBase64Bytes()
  cert?: string;
}

/** `type`, `enabled`, `comment`, `ext`: the same in every credential. */
export class CommonCredentialDto {
  @ApiProperty({ pattern: CREDENTIAL_TYPE_PATTERN.source, description: 'the credential type; each type has its own schema' })
  @IsString()
  @MaxLength(MAX_TYPE_LENGTH)
  @Matches(CREDENTIAL_TYPE_PATTERN, { message: `type must match ${CREDENTIAL_TYPE_PATTERN.source}` })
  type: string;

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  comment?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsJsonObject()
  ext?: Record<string, unknown>;
}

export class PasswordCredentialDto extends CommonCredentialDto {
  @ApiProperty({ example: 'sensor-1', pattern: PASSWORD_AUTH_ID_PATTERN.source })
  @IsString()
  @Matches(PASSWORD_AUTH_ID_PATTERN, { message: `auth-id must match ${PASSWORD_AUTH_ID_PATTERN.source}` })
  'auth-id': string;

  @ApiProperty({ type: [PasswordSecretDto] })
  @Secrets(() => PasswordSecretDto)
  secrets: PasswordSecretDto[];
}

export class PskCredentialDto extends CommonCredentialDto {
  @ApiProperty({ example: 'sensor-1-psk', description: 'the PSK identity' })
  @IsString()
  @IsNotEmpty()
  'auth-id': string;

  @ApiProperty({ type: [PskSecretDto] })
  @Secrets(() => PskSecretDto)
  secrets: PskSecretDto[];
}

export class X509CertificateCredentialDto extends CommonCredentialDto {
  @ApiPropertyOptional({ example: 'CN=sensor-1,OU=iot,O=ACME', description: 'subject DN (RFC 2253, stored normalised); taken from cert when that is given' })
  @Optional()
  @IsString()
  @IsNotEmpty()
  'auth-id'?: string;

  @ApiPropertyOptional({ format: 'byte', writeOnly: true, description: 'Base64 DER client certificate: subject DN and validity are taken from it' })
  @Optional()
  @IsBase64Bytes()
  cert?: string;

  @ApiPropertyOptional({ type: [X509CertificateSecretDto], description: 'exactly one (its validity); ignored when cert is given' })
  @Secrets(() => X509CertificateSecretDto, false)
  secrets?: X509CertificateSecretDto[];
}

export class RpkCredentialDto extends CommonCredentialDto {
  @ApiProperty({ example: 'sensor-1-rpk' })
  @IsString()
  @IsNotEmpty()
  'auth-id': string;

  @ApiProperty({ type: [RpkSecretDto] })
  @Secrets(() => RpkSecretDto)
  secrets: RpkSecretDto[];
}

/** Any other type: secrets hold arbitrary properties besides the common ones (checked by the service). */
export class GenericCredentialDto extends CommonCredentialDto {
  @ApiProperty({ example: 'sensor-1-key' })
  @IsString()
  @IsNotEmpty()
  'auth-id': string;

  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SECRETS_PER_CREDENTIAL, { message: `a credential holds at most ${MAX_SECRETS_PER_CREDENTIAL} secrets` })
  @IsObject({ each: true, message: SECRET })
  secrets: Array<Record<string, unknown>>;
}

/** Each credential schema names its own type (the validation rule stays the common one above). */
function documentType(model: new () => CommonCredentialDto, type?: string): void {
  const options = type ? { enum: [type], example: type } : { pattern: CREDENTIAL_TYPE_PATTERN.source, example: 'api-key', description: 'any type but the four above' };
  ApiProperty(options)(model.prototype, 'type');
}
documentType(PasswordCredentialDto, TYPES.password);
documentType(PskCredentialDto, TYPES.psk);
documentType(X509CertificateCredentialDto, TYPES.x509);
documentType(RpkCredentialDto, TYPES.rpk);
documentType(GenericCredentialDto);

/** The DTO that validates a credential of the given type. */
export function credentialDtoFor(type: string): new () => CommonCredentialDto {
  switch (type) {
    case TYPES.password:
      return PasswordCredentialDto;
    case TYPES.psk:
      return PskCredentialDto;
    case TYPES.x509:
      return X509CertificateCredentialDto;
    case TYPES.rpk:
      return RpkCredentialDto;
    default:
      return GenericCredentialDto;
  }
}
