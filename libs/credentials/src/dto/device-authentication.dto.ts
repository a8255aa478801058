import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNonEmptyText, Optional } from '@app/common';
import { IsIn, IsString, MaxLength } from 'class-validator';

export const AUTHENTICATION_TYPES = ['hashed-password', 'x509-cert'] as const;

/** What a protocol adapter sends to check a device's credentials (docs/credentials.md; an extension of Hono's API). */
export class DeviceAuthenticationDto {
  @ApiProperty({ enum: AUTHENTICATION_TYPES })
  @IsIn(AUTHENTICATION_TYPES, { message: `type must be one of ${AUTHENTICATION_TYPES.join(', ')}` })
  type: string;

  @ApiProperty({ example: 'sensor-1', description: 'for x509-cert the subject DN of the client certificate (the adapter has verified the certificate)' })
  @IsNonEmptyText(4096)
  'auth-id': string;

  @ApiPropertyOptional({ description: 'required for hashed-password' })
  @Optional()
  @IsString()
  @MaxLength(4096)
  password?: string;

  @ApiPropertyOptional({
    example: 'CN=Device CA,O=ACME',
    description:
      "x509-cert only: the issuer DN of the client certificate. It must be a trusted CA of the tenant, valid now; its auth-id-template (if any) turns the subject DN into the auth-id, as Hono's adapters do.",
  })
  @Optional()
  @IsNonEmptyText(4096)
  'issuer-dn'?: string;
}

/** Who the device is, when it authenticated. */
export class DeviceIdentityDto {
  @ApiProperty({ example: 'acme' })
  'tenant-id': string;

  @ApiProperty({ example: 'sensor-1' })
  'device-id': string;

  @ApiProperty({ example: 'sensor-1' })
  'auth-id': string;
}
