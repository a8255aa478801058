import { Authenticated } from '@app/auth';
import { ApiError, ApiIfMatch, DeviceIdPipe, formatEtag, IfMatchVersions, TenantIdPipe, versionedJson } from '@app/common';
import { Body, Controller, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CredentialsService } from './credentials.service';
import {
  GenericCredentialDto,
  PasswordCredentialDto,
  PskCredentialDto,
  RpkCredentialDto,
  X509CertificateCredentialDto,
} from './dto/credential.dto';
import { CREDENTIAL_EXAMPLES } from './dto/credential.examples';
import { CredentialsBody } from './dto/credentials-body.pipe';

const CREDENTIAL_MODELS = [PasswordCredentialDto, PskCredentialDto, X509CertificateCredentialDto, RpkCredentialDto, GenericCredentialDto];
const CREDENTIALS_SET = { type: 'array', items: { oneOf: CREDENTIAL_MODELS.map((model) => ({ $ref: getSchemaPath(model) })) } };

/** Hono's credentials management: /v1/credentials/{tenantId}/{deviceId}. */
@ApiTags('credentials')
@ApiExtraModels(...CREDENTIAL_MODELS)
@Controller('v1/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get(':tenantId/:deviceId')
  @Authenticated({ right: 'auth', tenantParam: 'tenantId' })
  @ApiOperation({ summary: "Get a device's credentials", description: 'Secrets carry their id; password hashes, salts and PSK keys are never returned.' })
  @ApiResponse({ status: 200, description: 'the set (a new device has []); ETag header', schema: CREDENTIALS_SET })
  @ApiError(404, 'no such device or tenant', 'device sensor-1 of tenant acme not found')
  async get(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return versionedJson(reply, await this.credentials.get(tenantId, deviceId));
  }

  @Put(':tenantId/:deviceId')
  @Authenticated({ right: 'registry.write', tenantParam: 'tenantId' })
  @HttpCode(204)
  @ApiOperation({
    summary: "Replace a device's credentials",
    description: 'Patch mode: a secret sent with its id keeps its stored password hash or key unless new ones are given; omitted credentials and secrets are deleted.',
  })
  @ApiIfMatch()
  @ApiBody({ schema: CREDENTIALS_SET, examples: CREDENTIAL_EXAMPLES })
  @ApiResponse({ status: 204, description: 'replaced; ETag header' })
  @ApiError(400, 'malformed request, or a secret that breaks the rules of its type', 'credentials[0]: type is required')
  @ApiError(403, 'more credentials than the tenant allows per device, or the credential lacks a right', 'tenant acme allows at most 10 credentials per device')
  @ApiError(404, 'no such device or tenant', 'device sensor-1 of tenant acme not found')
  @ApiError(409, 'a type and auth-id is used by another device of the tenant', 'type hashed-password with auth-id "sensor-1" is already used by another device of tenant acme')
  async update(
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Body(CredentialsBody) body: Array<Record<string, unknown>>,
    @IfMatchVersions() expected: string[] | null,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const version = await this.credentials.update(tenantId, deviceId, body, expected);
    reply.header('etag', formatEtag(version));
  }
}
