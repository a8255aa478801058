import { DEVICE_ID_PATTERN, IsJsonObject, IsStringMap } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

const ID_LIST = { each: true, message: 'each entry must be a device id' };

export class CommandEndpointDto {
  @ApiProperty({ example: 'https://example.com/commands/{{deviceId}}' })
  @IsString()
  @IsNotEmpty()
  uri: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsStringMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsJsonObject()
  'payload-properties'?: Record<string, unknown>;
}

/** A device as Hono's management API defines it (`Device` in device-registry-v1.yaml). */
export class DeviceDto {
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'default properties for messages of this device' })
  @IsOptional()
  @IsJsonObject()
  defaults?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'gateways that may act on behalf of this device' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(DEVICE_ID_PATTERN, ID_LIST)
  @MaxLength(256, { each: true })
  via?: string[];

  @ApiPropertyOptional({ type: [String], description: 'gateway groups whose members may act on behalf of this device' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(DEVICE_ID_PATTERN, ID_LIST)
  viaGroups?: string[];

  @ApiPropertyOptional({ type: [String], description: 'gateway groups this device (a gateway) belongs to; not with via/viaGroups' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(DEVICE_ID_PATTERN, ID_LIST)
  memberOf?: string[];

  @ApiPropertyOptional({ type: [String], example: ['auto-provisioning-enabled'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  authorities?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsJsonObject()
  ext?: Record<string, unknown>;

  @ApiPropertyOptional({ type: CommandEndpointDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CommandEndpointDto)
  'command-endpoint'?: CommandEndpointDto;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  'downstream-message-mapper'?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  'upstream-message-mapper'?: string;

  @ApiPropertyOptional({ description: 'deprecated single mapper of Hono 1.x' })
  @IsOptional()
  @IsString()
  mapper?: string;

  @ApiPropertyOptional({ readOnly: true, description: 'read-only; ignored on writes' })
  @IsOptional()
  status?: unknown;
}
