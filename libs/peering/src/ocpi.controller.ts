import { OcpiTokenAuthenticated } from '@app/auth';
import { RegistryError } from '@app/common';
import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Param, Patch, Post, Put, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Credentials221Dto } from './dto/credentials.dto';
import type { FastifyRequest } from 'fastify';
import { OcpiServerService } from './ocpi-server.service';
import { ocpiSuccess } from './ocpi-versions';

const CREDENTIALS_BODY = {
  type: Credentials221Dto,
  description: "the caller's credentials in the shape of this version (2.2.1 shown; 2.0 and 2.1.1: token, url, business_details, party_id, country_code)",
};
const CORRELATION = /^[\x20-\x7e]{1,256}$/;

/** The X-Correlation-ID our callbacks carry: the request's own, else its request id. */
function correlationOf(request: FastifyRequest): string {
  const header = request.headers['x-correlation-id'];
  return typeof header === 'string' && CORRELATION.test(header) ? header : String(request.id);
}

const notAllowed = (): never => {
  throw new RegistryError(HttpStatus.METHOD_NOT_ALLOWED, 'method not allowed');
};

/**
 * OCPI's versions and credentials modules for 2.0, 2.1.1 and 2.2.1. Public for the operators' guard:
 * OCPI authenticates with its own `Authorization: Token …`, checked by the service.
 */
@ApiTags('ocpi')
@OcpiTokenAuthenticated()
@Controller('ocpi')
export class OcpiController {
  constructor(private readonly ocpi: OcpiServerService) {}

  @Get('versions')
  @ApiOperation({ summary: 'The OCPI versions we serve' })
  async versions(@Headers('authorization') authorization: string | undefined) {
    return ocpiSuccess(await this.ocpi.versions(authorization));
  }

  @Get(':version')
  @ApiOperation({ summary: 'The endpoints of one version' })
  async details(@Param('version') version: string, @Headers('authorization') authorization: string | undefined) {
    return ocpiSuccess(await this.ocpi.details(this.ocpi.version(version), authorization));
  }

  @Get(':version/credentials')
  @ApiOperation({ summary: 'Our credentials, carrying the token the caller presented' })
  async getCredentials(@Param('version') version: string, @Headers('authorization') authorization: string | undefined) {
    return ocpiSuccess(await this.ocpi.getCredentials(this.ocpi.version(version), authorization));
  }

  @Post(':version/credentials')
  @HttpCode(200)
  @ApiBody(CREDENTIALS_BODY)
  @ApiOperation({ summary: 'Register with TOKEN_A: we call back the versions URL of the body, then answer with TOKEN_C' })
  async register(@Param('version') version: string, @Headers('authorization') authorization: string | undefined, @Body() body: unknown, @Req() request: FastifyRequest) {
    return ocpiSuccess(await this.ocpi.register(this.ocpi.version(version), authorization, body, correlationOf(request)));
  }

  @Put(':version/credentials')
  @ApiBody(CREDENTIALS_BODY)
  @ApiOperation({ summary: 'Update: new token, maybe another version; we fetch the endpoints again and issue a new token' })
  async update(@Param('version') version: string, @Headers('authorization') authorization: string | undefined, @Body() body: unknown, @Req() request: FastifyRequest) {
    return ocpiSuccess(await this.ocpi.update(this.ocpi.version(version), authorization, body, correlationOf(request)));
  }

  @Delete(':version/credentials')
  @ApiOperation({ summary: 'Unregister' })
  async unregister(@Param('version') version: string, @Headers('authorization') authorization: string | undefined) {
    this.ocpi.version(version);
    await this.ocpi.unregister(authorization);
    return ocpiSuccess();
  }

  // Methods OCPI does not define on these paths: 405 in the envelope (404 for a version we do not serve).

  @Patch(':version/credentials')
  patchCredentials(@Param('version') version: string) {
    this.ocpi.version(version);
    return notAllowed();
  }

  @Post(':version')
  postVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  @Put(':version')
  putVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  @Patch(':version')
  patchVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  @Delete(':version')
  deleteVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  private notAllowedOn(version: string): never {
    if (version !== 'versions') this.ocpi.version(version);
    return notAllowed();
  }
}
