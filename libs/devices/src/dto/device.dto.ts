import { DeviceIdList, IsJsonObject, IsStringMap, NestedObject, Optional } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsNotEmpty, IsString } from 'class-validator';

export class CommandEndpointDto {
  @ApiProperty({ example: 'https://example.com/commands/{{deviceId}}' })
  @IsString()
  @IsNotEmpty()
  uri: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @Optional()
  @IsStringMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsJsonObject()
  'payload-properties'?: Record<string, unknown>;
}

/** A device as Hono's management API defines it (`Device` in device-registry-v1.yaml). */
export class DeviceDto {
  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'default properties for messages of this device' })
  @Optional()
  @IsJsonObject()
  defaults?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'gateways that may act on behalf of this device' })
  @Optional()
  @DeviceIdList()
  via?: string[];

  @ApiPropertyOptional({ type: [String], description: 'gateway groups whose members may act on behalf of this device' })
  @Optional()
  @DeviceIdList()
  viaGroups?: string[];

  @ApiPropertyOptional({ type: [String], description: 'gateway groups this device (a gateway) belongs to; not with via/viaGroups' })
  @Optional()
  @DeviceIdList()
  memberOf?: string[];

  @ApiPropertyOptional({ type: [String], example: ['auto-provisioning-enabled'] })
  @Optional()
  @IsArray()
  @IsString({ each: true })
  authorities?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsJsonObject()
  ext?: Record<string, unknown>;

  @ApiPropertyOptional({ type: CommandEndpointDto })
  @Optional()
  @NestedObject(() => CommandEndpointDto)
  'command-endpoint'?: CommandEndpointDto;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  'downstream-message-mapper'?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  'upstream-message-mapper'?: string;

  @ApiPropertyOptional({ description: 'deprecated single mapper of Hono 1.x' })
  @Optional()
  @IsString()
  mapper?: string;

  @ApiPropertyOptional({ readOnly: true, description: 'read-only; ignored on writes' })
  @Optional()
  status?: unknown;
}
