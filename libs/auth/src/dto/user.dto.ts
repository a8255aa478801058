import { NestedObjectList, Optional, TENANT_ID_PATTERN } from '@app/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsIn, IsString, Length, Matches, MaxLength, ValidateBy } from 'class-validator';
import { mixesScripts } from '../users/username';

/** Letters (any script), digits and _ . @ + -: no spaces, and no colon (HTTP Basic splits there). */
export const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;

/** One script per name (docs/operators.md): `rοss` with a Greek omicron is not a second `ross`. */
const IsSingleScript = () =>
  ValidateBy({
    name: 'isSingleScript',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !mixesScripts(value),
      defaultMessage: () => 'username must not mix scripts (such as Latin with Greek or Cyrillic letters)',
    },
  });

export class GrantDto {
  @ApiProperty({ example: 'acme' })
  @IsString()
  @MaxLength(256)
  @Matches(TENANT_ID_PATTERN, { message: 'tenant must be a tenant id' })
  tenant: string;

  @ApiProperty({ enum: ['read', 'write'] })
  @IsIn(['read', 'write'])
  access: 'read' | 'write';
}

export class CreateUserDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 64)
  @Matches(USERNAME_PATTERN, { message: 'username may contain letters, digits and _ . @ + - (no spaces or colons)' })
  @IsSingleScript()
  username: string;

  @ApiProperty({ minLength: 8, writeOnly: true })
  @IsString()
  @Length(8, 1024)
  password: string;

  @ApiPropertyOptional({ default: false })
  @Optional()
  @IsBoolean()
  admin?: boolean;

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: [GrantDto] })
  @Optional()
  @NestedObjectList(() => GrantDto)
  @ArrayMaxSize(10_000)
  tenants?: GrantDto[];
}

/** Every field optional: a partial update (absent, not null, as everywhere). */
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {}

/** A user as /api/users shows it: never the password. */
export class UserViewDto {
  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ example: false })
  admin: boolean;

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ type: [GrantDto] })
  tenants: GrantDto[];

  @ApiProperty({ format: 'date-time', example: '2026-01-02T03:04:05Z' })
  created: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-02T03:04:05Z' })
  updated: string;
}

/** GET /api/me: who the caller is and how it authenticated. */
export class MeDto {
  @ApiProperty({ example: 'admin' })
  username: string;

  @ApiProperty({ example: true })
  admin: boolean;

  @ApiProperty({ example: '*', description: 'the permit of the credential used (a password carries *)' })
  permit: string;

  @ApiProperty({ enum: ['password', 'token', 'session'] })
  via: string;

  @ApiProperty({ type: [GrantDto] })
  tenants: GrantDto[];
}

export const USER_EXAMPLES = {
  create: {
    alice: {
      summary: 'an operator who may write tenant acme',
      value: { username: 'alice', password: 'alice-password', admin: false, enabled: true, tenants: [{ tenant: 'acme', access: 'write' }] },
    },
  },
  update: {
    readOnly: { summary: 'read access only (grants are replaced as a whole)', value: { tenants: [{ tenant: 'acme', access: 'read' }] } },
  },
};
