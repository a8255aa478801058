import { ApiProperty } from '@nestjs/swagger';

/** The fields of a new API token, from a form (curl -F / -d) or JSON; absent fields take OVMS's defaults. */
export const NEW_TOKEN_SCHEMA = {
  type: 'object',
  properties: {
    application: { type: 'string', maxLength: 32, default: 'notspecified', example: 'ha' },
    purpose: { type: 'string', maxLength: 80, default: 'notspecified', example: 'home automation' },
    permit: { type: 'string', maxLength: 255, default: 'auth', example: 'auth,registry.write', description: '* or a comma list of rights' },
  },
};

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
