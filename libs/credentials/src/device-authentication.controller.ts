import { Authenticated, CurrentPrincipal, Principal } from '@app/auth';
import { ApiError, RequiredBody, TenantIdPipe } from '@app/common';
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DeviceAuthenticationService } from './device-authentication.service';
import { AUTHENTICATION_EXAMPLES } from './dto/credential.examples';
import { DeviceAuthenticationDto, DeviceIdentityDto } from './dto/device-authentication.dto';

/** Device authentication for protocol adapters: POST /v1/authenticate/{tenantId} (an extension of Hono's API). */
@ApiTags('credentials')
@Controller('v1/authenticate')
export class DeviceAuthenticationController {
  constructor(private readonly authentication: DeviceAuthenticationService) {}

  @Post(':tenantId')
  @Authenticated({ right: 'registry.adapter', tenantParam: 'tenantId' })
  @HttpCode(200)
  @ApiOperation({
    summary: "Check a device's credentials",
    description:
      "hashed-password (bcrypt, sha-256, sha-512) or x509-cert by subject DN (with issuer-dn, through the trusted CA's auth-id-template). Needs the registry.adapter right and read access to the tenant; attempts are throttled per calling account and auth-id.",
  })
  @ApiBody({ type: DeviceAuthenticationDto, examples: AUTHENTICATION_EXAMPLES })
  @ApiResponse({ status: 200, type: DeviceIdentityDto, description: 'the device the credentials belong to' })
  @ApiError(401, 'the same answer for every reason (unknown, disabled, expired, wrong password), and for a caller without credentials', 'authentication required')
  @ApiError(429, 'too many failures for this auth-id from this account, or failed logins of the caller; Retry-After header', 'too many failed attempts, try again later')
  async authenticate(
    @CurrentPrincipal() caller: Principal,
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Body(RequiredBody) body: DeviceAuthenticationDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeviceIdentityDto> {
    const identity = await this.authentication.authenticate(caller, tenantId, body);
    reply.header('content-type', 'application/json; charset=utf-8');
    return identity;
  }
}
