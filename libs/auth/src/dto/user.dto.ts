import { TENANT_ID_PATTERN } from '@app/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateBy, ValidateNested } from 'class-validator';
import { mixesScripts } from '../users/username';

/** Letters (any script), digits and _ . @ + -: no spaces, and no colon (HTTP Basic splits there). */
export const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;

/** One script per name (SPEC 4.2): `rοss` with a Greek omicron is not a second `ross`. */
const IsSingleScript = () =>
  ValidateBy({
    name: 'isSingleScript',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !mixesScripts(value),
      defaultMessage: () => 'username must not mix scripts (such as Latin with Greek or Cyrillic letters)',
    },
  });

export class GrantDto {
  @ApiProperty({ example: 't1' })
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
  @IsOptional()
  @IsBoolean()
  admin?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: [GrantDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => GrantDto)
  tenants?: GrantDto[];
}

/** Every field optional: a partial update. */
export class UpdateUserDto extends PartialType(CreateUserDto) {}
