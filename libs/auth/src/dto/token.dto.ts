import { Optional } from '@app/common';
import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export const NEW_TOKEN_LIMITS = { application: 32, purpose: 80, permit: 255 } as const;
export const NEW_TOKEN_DEFAULTS = { application: 'notspecified', purpose: 'notspecified', permit: 'auth' } as const;

/** OVMS's messages: "<field> must be text", "<field> must be at most <n> characters". */
const TokenText = (field: keyof typeof NEW_TOKEN_LIMITS) =>
  applyDecorators(
    Optional(),
    IsString({ message: `${field} must be text` }),
    MaxLength(NEW_TOKEN_LIMITS[field], { message: `${field} must be at most ${NEW_TOKEN_LIMITS[field]} characters` }),
  );

/**
 * The fields of a new API token (POST /api/token and `token create`), from a form (curl -F / -d), the
 * URL or JSON; absent fields take OVMS's defaults, other fields are ignored as OVMS does.
 */
export class NewTokenBodyDto {
  @ApiPropertyOptional({ maxLength: NEW_TOKEN_LIMITS.application, default: NEW_TOKEN_DEFAULTS.application, example: 'ha' })
  @TokenText('application')
  application?: string;

  @ApiPropertyOptional({ maxLength: NEW_TOKEN_LIMITS.purpose, default: NEW_TOKEN_DEFAULTS.purpose, example: 'home automation' })
  @TokenText('purpose')
  purpose?: string;

  @ApiPropertyOptional({ maxLength: NEW_TOKEN_LIMITS.permit, default: NEW_TOKEN_DEFAULTS.permit, example: 'auth,registry.write', description: '* or a comma list of rights' })
  @TokenText('permit')
  permit?: string;
}

export const NEW_TOKEN_EXAMPLES = {
  integration: { summary: 'a token that reads and writes the registry', value: { application: 'ha', purpose: 'home automation', permit: 'auth,registry.write' } },
};

/** What every answer about a token says of it. */
class TokenFieldsDto {
  @ApiProperty({ example: 'ha' })
  application: string;

  @ApiProperty({ example: 'admin' })
  owner: string;

  @ApiProperty({ example: 'auth,registry.write' })
  permit: string;

  @ApiProperty({ example: 'home automation' })
  purpose: string;
}

/** POST /api/token: the only answer that shows the token. */
export class NewTokenDto extends TokenFieldsDto {
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', example: '6f1ed002ab5595859014ebf0951522d9c2a0cd7a5b1e4f2c8b0e3f6a1d2c3b4a' })
  token: string;
}

/** GET /api/token: one of the caller's tokens, masked. */
export class TokenViewDto extends TokenFieldsDto {
  @ApiProperty({ format: 'uuid', description: 'deletes the token as well as the token itself' })
  id: string;

  @ApiProperty({ example: '2026-01-02 03:04:05', description: 'OVMS time format' })
  created: string;

  @ApiProperty({ example: '2026-01-02 03:04:05', nullable: true })
  lastused: string | null;

  @ApiProperty({ example: '2026-01-02 03:04:05', nullable: true })
  refreshed: string | null;

  @ApiProperty({ example: '6f1ed002…', description: 'the first 8 characters and …' })
  token: string;
}

/** DELETE /api/token/<TOKEN>: the same answer whether or not anything matched. */
export class DeletedTokenDto {
  @ApiProperty({ example: 'admin' })
  owner: string;

  @ApiProperty({ example: '6f1ed002ab5595859014ebf0951522d9c2a0cd7a5b1e4f2c8b0e3f6a1d2c3b4a' })
  token: string;
}
