import { NestedObjectList, Optional, TENANT_ID_PATTERN } from '@app/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsIn, IsString, Length, Matches, MaxLength } from 'class-validator';

/** Letters (any script), digits and _ . @ + -: no spaces, and no colon (HTTP Basic splits there). */
export const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;

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
