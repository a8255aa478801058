import { Authenticated, CurrentPrincipal, Principal } from '@app/auth';
import { ApiError, ApiIfMatch, ApiSearchParameters, CreatedDto, formatEtag, IfMatchVersions, JSON_TYPE, OptionalBody, RequiredBody, searchResultSchema, TenantIdPipe, versionedJson } from '@app/common';
import { parseSearchParameters } from '@app/database';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { TenantDto } from './dto/tenant.dto';
import { TENANT_EXAMPLES } from './dto/tenant.examples';
import { TenantsService } from './tenants.service';

/** Creating, replacing and deleting tenants is for admins with registry.write. */
const ADMIN_WRITE = { right: 'registry.write', tenantParam: 'tenantId', adminOnly: true } as const;

/** Hono's tenant management: /v1/tenants[/{tenantId}]. */
@ApiTags('tenants')
@ApiExtraModels(CreatedDto)
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @Authenticated({ right: 'registry.write', adminOnly: true })
  @ApiOperation({ summary: 'Create a tenant with a generated id' })
  @ApiBody({ type: TenantDto, required: false, examples: TENANT_EXAMPLES.createWithGeneratedId })
  @ApiResponse({ status: 201, type: CreatedDto, description: 'created; Location and ETag headers' })
  @ApiError(409, 'the alias or a trusted CA subject DN is used by another tenant', 'the alias is already used by another tenant')
  createWithGeneratedId(@Body(OptionalBody) body: TenantDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.create(undefined, body, reply);
  }

  @Post(':tenantId')
  @Authenticated(ADMIN_WRITE)
  @ApiOperation({ summary: 'Create a tenant with the given id' })
  @ApiBody({ type: TenantDto, required: false, examples: TENANT_EXAMPLES.createWithId })
  @ApiResponse({ status: 201, type: CreatedDto, description: 'created; Location and ETag headers' })
  @ApiError(409, 'a tenant with this id exists, or the alias or a trusted CA subject DN is taken', 'tenant acme already exists')
  createWithId(@Param('tenantId', TenantIdPipe) tenantId: string, @Body(OptionalBody) body: TenantDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.create(tenantId, body, reply);
  }

  private async create(tenantId: string | undefined, body: TenantDto, reply: FastifyReply) {
    const created = await this.tenants.create(tenantId, body as Record<string, unknown>);
    reply.status(201).header('location', `/v1/tenants/${encodeURIComponent(created.id)}`).header('etag', formatEtag(created.version));
    return { id: created.id };
  }

  @Get()
  @Authenticated({ right: 'auth' })
  @ApiOperation({ summary: 'Search tenants' })
  @ApiSearchParameters({ filter: '{"field":"/ext/region","value":"eu-*"}', sort: '{"field":"/id","direction":"desc"}' })
  @ApiResponse({ status: 200, description: 'one page of the matches, each with its id', schema: searchResultSchema(TenantDto) })
  @ApiError(400, 'a search parameter is malformed', 'pageSize must be an integer between 1 and 200')
  @ApiError(404, 'no tenant matches', 'no tenants match the search')
  async search(
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const search = parseSearchParameters(query);
    const result = await this.tenants.search(search, principal.visibleTenants());
    reply.header('content-type', JSON_TYPE);
    return result;
  }

  @Get(':tenantId')
  @Authenticated({ right: 'auth', tenantParam: 'tenantId' })
  @ApiOperation({ summary: 'Get a tenant' })
  @ApiResponse({ status: 200, type: TenantDto, description: 'as stored; ETag header' })
  async get(@Param('tenantId', TenantIdPipe) tenantId: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return versionedJson(reply, await this.tenants.get(tenantId));
  }

  @Put(':tenantId')
  @Authenticated(ADMIN_WRITE)
  @HttpCode(204)
  @ApiOperation({ summary: 'Replace a tenant' })
  @ApiIfMatch()
  @ApiBody({ type: TenantDto, examples: TENANT_EXAMPLES.update })
  @ApiResponse({ status: 204, description: 'replaced; ETag header' })
  @ApiError(409, 'the alias or a trusted CA subject DN is used by another tenant', 'the alias is already used by another tenant')
  async update(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Body(RequiredBody) body: TenantDto,
    @IfMatchVersions() expected: string[] | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const version = await this.tenants.update(tenantId, body as Record<string, unknown>, expected);
    reply.header('etag', formatEtag(version));
  }

  @Delete(':tenantId')
  @Authenticated(ADMIN_WRITE)
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a tenant with its devices and their credentials' })
  @ApiIfMatch()
  @ApiResponse({ status: 204, description: 'deleted' })
  async delete(@Param('tenantId', TenantIdPipe) tenantId: string, @IfMatchVersions() expected: string[] | null): Promise<void> {
    await this.tenants.delete(tenantId, expected);
  }
}
