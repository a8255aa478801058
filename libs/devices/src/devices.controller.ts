import { Authenticated } from '@app/auth';
import {
  ApiError,
  ApiIfMatch,
  ApiSearchParameters,
  badRequest,
  CreatedDto,
  DeviceIdPipe,
  formatEtag,
  IfMatchVersions,
  JSON_TYPE,
  OptionalBody,
  RequiredBody,
  searchResultSchema,
  TenantIdPipe,
  versionedJson,
} from '@app/common';
import { parseSearchParameters } from '@app/database';
import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DevicesService } from './devices.service';
import { DeviceDto } from './dto/device.dto';
import { DEVICE_EXAMPLES } from './dto/device.examples';


function parseIsGateway(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest('isGateway must be true or false');
}

/** What both ways of creating a device answer. */
const ApiCreatesDevice = () =>
  applyDecorators(
    ApiResponse({ status: 201, type: CreatedDto, description: 'created; Location and ETag headers' }),
    ApiError(400, 'malformed request: invalid JSON, unknown property, wrong type, memberOf with via', 'a device with memberOf (a gateway) cannot have via or viaGroups'),
    ApiError(403, 'the tenant has reached its device limit, or the credential lacks a right', 'tenant acme has reached its device limit'),
  );

/** Hono's device management: /v1/devices/{tenantId}[/{deviceId}]. */
@ApiTags('devices')
@ApiExtraModels(CreatedDto)
@Controller('v1/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post(':tenantId')
  @Authenticated({ right: 'registry.write', tenantParam: 'tenantId' })
  @ApiOperation({ summary: 'Create a device with a generated id' })
  @ApiBody({ type: DeviceDto, required: false, examples: DEVICE_EXAMPLES.createWithGeneratedId })
  @ApiCreatesDevice()
  createWithGeneratedId(@Param('tenantId', TenantIdPipe) tenantId: string, @Body(OptionalBody) body: DeviceDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.create(tenantId, undefined, body, reply);
  }

  @Post(':tenantId/:deviceId')
  @Authenticated({ right: 'registry.write', tenantParam: 'tenantId' })
  @ApiOperation({ summary: 'Create a device with the given id' })
  @ApiBody({ type: DeviceDto, required: false, examples: DEVICE_EXAMPLES.createWithId })
  @ApiCreatesDevice()
  @ApiError(409, 'a device with this id exists', 'device sensor-1 already exists')
  createWithId(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Body(OptionalBody) body: DeviceDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.create(tenantId, deviceId, body, reply);
  }

  private async create(tenantId: string, deviceId: string | undefined, body: DeviceDto, reply: FastifyReply) {
    const created = await this.devices.create(tenantId, deviceId, body as Record<string, unknown>);
    reply
      .status(201)
      .header('location', `/v1/devices/${encodeURIComponent(tenantId)}/${encodeURIComponent(created.id)}`)
      .header('etag', formatEtag(created.version));
    return { id: created.id };
  }

  @Get(':tenantId')
  @Authenticated({ right: 'auth', tenantParam: 'tenantId' })
  @ApiOperation({ summary: 'Search devices' })
  @ApiSearchParameters({ filter: '{"field":"/ext/brand","value":"acme-*"}', sort: '{"field":"/ext/floor","direction":"desc"}' })
  @ApiQuery({ name: 'isGateway', required: false, type: Boolean })
  @ApiResponse({ status: 200, description: 'one page of the matches, each with its id', schema: searchResultSchema(DeviceDto) })
  @ApiError(400, 'a search parameter is malformed', 'pageSize must be an integer between 1 and 200')
  @ApiError(404, 'no device matches, or no such tenant', 'no devices match the search')
  async search(@Param('tenantId', TenantIdPipe) tenantId: string, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) reply: FastifyReply) {
    const search = parseSearchParameters(query, ['isGateway']);
    const isGateway = parseIsGateway(query.isGateway);
    reply.header('content-type', JSON_TYPE);
    return this.devices.search(tenantId, search, isGateway);
  }

  @Delete(':tenantId')
  @Authenticated({ right: 'registry.write', tenantParam: 'tenantId' })
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete all devices of a tenant' })
  @ApiResponse({ status: 204, description: 'deleted (also when the tenant is gone)' })
  async deleteAll(@Param('tenantId', TenantIdPipe) tenantId: string): Promise<void> {
    await this.devices.deleteAll(tenantId);
  }

  @Get(':tenantId/:deviceId')
  @Authenticated({ right: 'auth', tenantParam: 'tenantId' })
  @ApiOperation({ summary: 'Get a device' })
  @ApiResponse({ status: 200, type: DeviceDto, description: 'with its status; ETag header' })
  @ApiError(404, 'no such device or tenant', 'device sensor-1 of tenant acme not found')
  async get(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return versionedJson(reply, await this.devices.get(tenantId, deviceId));
  }

  @Put(':tenantId/:deviceId')
  @Authenticated({ right: 'registry.write', tenantParam: 'tenantId' })
  @HttpCode(204)
  @ApiOperation({ summary: 'Replace a device' })
  @ApiIfMatch()
  @ApiBody({ type: DeviceDto, examples: DEVICE_EXAMPLES.update })
  @ApiResponse({ status: 204, description: 'replaced; ETag header' })
  @ApiError(404, 'no such device or tenant', 'device sensor-1 of tenant acme not found')
  async update(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Body(RequiredBody) body: DeviceDto,
    @IfMatchVersions() expected: string[] | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const version = await this.devices.update(tenantId, deviceId, body as Record<string, unknown>, expected);
    reply.header('etag', formatEtag(version));
  }

  @Delete(':tenantId/:deviceId')
  @Authenticated({ right: 'registry.write', tenantParam: 'tenantId' })
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a device and its credentials' })
  @ApiIfMatch()
  @ApiResponse({ status: 204, description: 'deleted (also when the tenant is gone)' })
  @ApiError(404, 'the tenant exists but the device does not', 'device sensor-1 of tenant acme not found')
  async delete(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @IfMatchVersions() expected: string[] | null,
  ): Promise<void> {
    await this.devices.delete(tenantId, deviceId, expected);
  }
}
