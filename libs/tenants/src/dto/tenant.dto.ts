import { IsBase64Bytes, IsIntegerIn, IsJsonObject, IsNonEmptyText, IsRfc3339, NestedObject, NestedObjectList, Optional } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsString,
  Matches,
  MaxLength,
  registerDecorator,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';

/** Hono's integers are Java ints and longs; anything larger is not a limit but a typo (and would break SQL casts). */
const MAX_INT = 2_147_483_647;
const MAX_LONG = Number.MAX_SAFE_INTEGER;

export const ALIAS_PATTERN = /^[a-z0-9-]+$/;
/** An alias is an LDH label (RFC 5890), at most 63 characters. */
export const MAX_ALIAS_LENGTH = 63;
export const SAMPLING_MODES = ['default', 'all', 'none'] as const;

function registerValidator(name: string, validate: (value: unknown) => boolean, message: (property: string) => string, options?: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: property,
      options,
      validator: { validate, defaultMessage: (args: ValidationArguments) => message(args.property) },
    });
}

function IsSamplingModeMap(options?: ValidationOptions) {
  return registerValidator(
    'isSamplingModeMap',
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((mode) => (SAMPLING_MODES as readonly unknown[]).includes(mode)),
    (property) => `${property} must map auth-ids to one of ${SAMPLING_MODES.join(', ')}`,
    options,
  );
}

export class AdapterDto {
  @ApiProperty({ example: 'hono-mqtt', description: 'protocol adapter type; unique within the tenant' })
  @IsString()
  @IsNotEmpty()
  type: string;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  'device-authentication-required'?: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsJsonObject()
  ext?: Record<string, unknown>;
}

export class RegistrationLimitsDto {
  @ApiPropertyOptional({ default: -1, minimum: -1, description: '-1: no limit' })
  @Optional()
  @IsIntegerIn(-1, MAX_INT)
  'max-devices'?: number;

  @ApiPropertyOptional({ default: -1, minimum: -1, description: '-1: no limit' })
  @Optional()
  @IsIntegerIn(-1, MAX_INT)
  'max-credentials-per-device'?: number;
}

export class PeriodDto {
  @ApiProperty({ example: 'monthly', description: '`monthly` or `days` (other custom modes are stored as given)' })
  @IsString()
  @IsNotEmpty()
  mode: string;

  @ApiPropertyOptional({ minimum: 1, description: 'period length when mode is `days`' })
  @Optional()
  @IsIntegerIn(1, MAX_INT)
  'no-of-days'?: number;
}

/** What data-volume and connection-duration limits share: when they start and how they recur. */
class PeriodicLimitDto {
  @ApiProperty({ example: '2019-12-01T00:00:00Z' })
  @IsRfc3339()
  'effective-since': string;

  @ApiPropertyOptional({ type: PeriodDto })
  @Optional()
  @NestedObject(() => PeriodDto)
  period?: PeriodDto;
}

export class DataVolumeDto extends PeriodicLimitDto {
  @ApiPropertyOptional({ default: -1, minimum: -1 })
  @Optional()
  @IsIntegerIn(-1, MAX_LONG)
  'max-bytes'?: number;
}

export class ConnectionDurationDto extends PeriodicLimitDto {
  @ApiPropertyOptional({ default: -1, minimum: -1 })
  @Optional()
  @IsIntegerIn(-1, MAX_LONG)
  'max-minutes'?: number;
}

export class ResourceLimitsDto {
  @ApiPropertyOptional({ default: -1, minimum: -1 })
  @Optional()
  @IsIntegerIn(-1, MAX_INT)
  'max-connections'?: number;

  @ApiPropertyOptional({ default: -1, minimum: -1, description: 'seconds' })
  @Optional()
  @IsIntegerIn(-1, MAX_LONG)
  'max-ttl'?: number;

  @ApiPropertyOptional({ default: -1, minimum: -1, description: 'seconds' })
  @Optional()
  @IsIntegerIn(-1, MAX_LONG)
  'max-ttl-telemetry-qos0'?: number;

  @ApiPropertyOptional({ default: -1, minimum: -1, description: 'seconds' })
  @Optional()
  @IsIntegerIn(-1, MAX_LONG)
  'max-ttl-telemetry-qos1'?: number;

  @ApiPropertyOptional({ default: -1, minimum: -1, description: 'seconds' })
  @Optional()
  @IsIntegerIn(-1, MAX_LONG)
  'max-ttl-command-response'?: number;

  @ApiPropertyOptional({ type: DataVolumeDto })
  @Optional()
  @NestedObject(() => DataVolumeDto)
  'data-volume'?: DataVolumeDto;

  @ApiPropertyOptional({ type: ConnectionDurationDto })
  @Optional()
  @NestedObject(() => ConnectionDurationDto)
  'connection-duration'?: ConnectionDurationDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsJsonObject()
  ext?: Record<string, unknown>;
}

export class TracingDto {
  @ApiPropertyOptional({ enum: SAMPLING_MODES, default: 'default' })
  @Optional()
  @IsIn(SAMPLING_MODES)
  'sampling-mode'?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string', enum: [...SAMPLING_MODES] } })
  @Optional()
  @IsSamplingModeMap()
  'sampling-mode-per-auth-id'?: Record<string, string>;
}

/**
 * A trusted root CA: either `cert`, or `subject-dn` + `public-key` + `not-before` + `not-after`.
 * The rules between fields (and the parsing of `cert`) are the service's; this checks the types.
 */
export class TrustedCaDto {
  @ApiPropertyOptional({ description: 'unique among the tenant\'s trust anchors; generated when absent' })
  @Optional()
  @IsNonEmptyText(256)
  id?: string;

  @ApiPropertyOptional({ example: 'CN=devices,OU=iot,O=ACME', description: 'RFC 2253; stored normalised as Hono does' })
  @Optional()
  @IsString()
  @IsNotEmpty()
  'subject-dn'?: string;

  @ApiPropertyOptional({ format: 'byte', description: 'Base64 DER of the subject DN' })
  @Optional()
  @IsBase64Bytes()
  'subject-dn-bytes'?: string;

  @ApiPropertyOptional({ format: 'byte', description: 'Base64 DER SubjectPublicKeyInfo' })
  @Optional()
  @IsBase64Bytes()
  'public-key'?: string;

  @ApiPropertyOptional({ format: 'byte', description: 'Base64 DER X.509 certificate; subject DN, key, algorithm and validity are taken from it; not stored' })
  @Optional()
  @IsBase64Bytes()
  cert?: string;

  @ApiPropertyOptional({ default: 'RSA', example: 'EC' })
  @Optional()
  @IsString()
  @IsNotEmpty()
  algorithm?: string;

  @ApiPropertyOptional({ example: '2019-10-03T13:45:16+02:00' })
  @Optional()
  @IsRfc3339()
  'not-before'?: string;

  @ApiPropertyOptional({ example: '2021-10-03T00:00:00Z' })
  @Optional()
  @IsRfc3339()
  'not-after'?: string;

  @ApiPropertyOptional({ example: 'auth-{{subject-cn}}' })
  @Optional()
  @IsString()
  'auth-id-template'?: string;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  'auto-provisioning-enabled'?: boolean;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  'auto-provision-as-gateway'?: boolean;

  @ApiPropertyOptional({ example: 'device-{{subject-cn}}' })
  @Optional()
  @IsString()
  'auto-provisioning-device-id-template'?: string;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  'ocsp-revocation-enabled'?: boolean;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @IsNotEmpty()
  'ocsp-responder-uri'?: string;

  @ApiPropertyOptional({ format: 'byte' })
  @Optional()
  @IsBase64Bytes()
  'ocsp-responder-cert'?: string;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  'ocsp-nonce-enabled'?: boolean;
}

/** A single trusted CA object (the seed's form) is validated as a one-element list. */
const asList = ({ value }: { value: unknown }) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? [value] : value);

/** A tenant as Hono's management API defines it (`Tenant` in device-registry-v1.yaml). */
export class TenantDto {
  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ pattern: ALIAS_PATTERN.source, maxLength: MAX_ALIAS_LENGTH, description: 'unique among tenants' })
  @Optional()
  @IsString()
  @MaxLength(MAX_ALIAS_LENGTH)
  @Matches(ALIAS_PATTERN, { message: `alias must match ${ALIAS_PATTERN.source}` })
  alias?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsJsonObject()
  ext?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [AdapterDto], description: 'not empty when present; one entry per type' })
  @Optional()
  @NestedObjectList(() => AdapterDto)
  @ArrayMinSize(1)
  adapters?: AdapterDto[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'default properties for messages of the tenant\'s devices' })
  @Optional()
  @IsJsonObject()
  defaults?: Record<string, unknown>;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @Optional()
  @IsIntegerIn(0, MAX_INT)
  'minimum-message-size'?: number;

  @ApiPropertyOptional({ type: RegistrationLimitsDto })
  @Optional()
  @NestedObject(() => RegistrationLimitsDto)
  'registration-limits'?: RegistrationLimitsDto;

  @ApiPropertyOptional({ type: ResourceLimitsDto })
  @Optional()
  @NestedObject(() => ResourceLimitsDto)
  'resource-limits'?: ResourceLimitsDto;

  @ApiPropertyOptional({ type: ResourceLimitsDto, deprecated: true, description: 'the seed\'s name for resource-limits; stored and read back as resource-limits' })
  @Optional()
  @NestedObject(() => ResourceLimitsDto)
  limits?: ResourceLimitsDto;

  @ApiPropertyOptional({ type: TracingDto })
  @Optional()
  @NestedObject(() => TracingDto)
  tracing?: TracingDto;

  @ApiPropertyOptional({ description: 'tenants of one group may share trusted CA subject DNs' })
  @Optional()
  @IsString()
  'trust-anchor-group'?: string;

  @ApiPropertyOptional({ type: [TrustedCaDto], description: 'a single object is accepted as a one-element list' })
  @Optional()
  @NestedObjectList(() => TrustedCaDto)
  @Transform(asList)
  'trusted-ca'?: TrustedCaDto[];
}
