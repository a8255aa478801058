import { Authenticated, CurrentPrincipal, Principal } from '@app/auth';
import { RequiredBody, TenantIdPipe } from '@app/common';
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DeviceAuthenticationService } from './device-authentication.service';
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
  @ApiResponse({ status: 200, type: DeviceIdentityDto })
  @ApiResponse({ status: 401, description: 'the same answer for every reason (unknown, disabled, expired, wrong password)' })
  @ApiResponse({ status: 429, description: 'too many failures for this auth-id from this account; Retry-After header' })
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
