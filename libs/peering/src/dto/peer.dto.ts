import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsHttpUrl, Optional } from '@app/common';
import { IsIn } from 'class-validator';
import { OCPI_VERSIONS, OcpiVersion, TokenEncoding } from '../ocpi-versions';
import { IsDisplayName, IsOcpiToken } from './credentials.dto';

const ENCODINGS: TokenEncoding[] = ['raw', 'base64'];

export class InvitePeerDto {
  @ApiPropertyOptional({ example: 'Example eMSP' })
  @Optional()
  @IsDisplayName(200)
  name?: string;

  @ApiPropertyOptional({ enum: ENCODINGS, description: 'how we send our token to this peer; default: raw for 2.0/2.1.1, Base64 for 2.2.1' })
  @Optional()
  @IsIn(ENCODINGS)
  token_encoding?: TokenEncoding;
}

export class RegisterPeerDto extends InvitePeerDto {
  @ApiProperty({ example: 'https://peer.example.com/ocpi/versions', description: "the peer's versions URL" })
  @IsHttpUrl()
  versions_url: string;

  @ApiProperty({ description: "the peer's TOKEN_A" })
  @IsOcpiToken()
  token: string;

  @ApiPropertyOptional({ enum: OCPI_VERSIONS, description: 'default: the highest version both sides support' })
  @Optional()
  @IsIn(OCPI_VERSIONS)
  version?: OcpiVersion;
}

export class UpdatePeerDto {
  @ApiPropertyOptional({ enum: OCPI_VERSIONS, description: 'switch to this version; default: the current one' })
  @Optional()
  @IsIn(OCPI_VERSIONS)
  version?: OcpiVersion;

  @ApiPropertyOptional({ enum: ENCODINGS })
  @Optional()
  @IsIn(ENCODINGS)
  token_encoding?: TokenEncoding;
}
