import { OcpiTokenAuthenticated } from '@app/auth';
import { ApiError, RegistryError } from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiExtraModels, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Credentials211Dto, Credentials221Dto } from './dto/credentials.dto';
import { CREDENTIALS_EXAMPLES, EndpointDto, OCPI_SCHEMAS } from './dto/peer-responses';
import type { FastifyRequest } from 'fastify';
import { OcpiServerService } from './ocpi-server.service';
import { CurrentOcpiCaller, OcpiTokenGuard, PresentedCaller } from './ocpi-token.guard';
import { ocpiSuccess } from './ocpi-versions';

const CREDENTIALS_BODY = {
  type: Credentials221Dto,
  description: "the caller's credentials in the shape of this version (2.2.1 shown; 2.0 and 2.1.1: token, url, business_details, party_id, country_code)",
  examples: CREDENTIALS_EXAMPLES,
};
/** What a peer does, not a person: executed from this page without a registered peer it answers as documented. */
const PEER_ONLY = 'Called by the partner platform during the handshake.';
const NOT_REGISTERED = 'not registered: register with POST first';
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
 * OCPI's versions and credentials modules for 2.0, 2.1.1 and 2.2.1. Not the operators' ways: each endpoint is
 * authenticated with OCPI's own `Authorization: Token …` by the OcpiTokenGuard; the methods OCPI does not define answer 405 without one.
 */
@ApiTags('ocpi')
@ApiExtraModels(EndpointDto, Credentials211Dto)
@OcpiTokenAuthenticated()
@Controller('ocpi')
export class OcpiController {
  constructor(private readonly ocpi: OcpiServerService) {}

  @UseGuards(OcpiTokenGuard)
  @Get('versions')
  @ApiOperation({ summary: 'The OCPI versions we serve' })
  @ApiResponse({ status: 200, schema: OCPI_SCHEMAS.versions, description: 'each version and the URL of its details' })
  async versions(@CurrentOcpiCaller() caller: PresentedCaller) {
    return ocpiSuccess(await this.ocpi.versions(caller));
  }

  @UseGuards(OcpiTokenGuard)
  @Get(':version')
  @ApiOperation({ summary: 'The endpoints of one version' })
  @ApiResponse({ status: 200, schema: OCPI_SCHEMAS.details, description: 'the modules of this version (credentials)' })
  async details(@Param('version') version: string, @CurrentOcpiCaller() caller: PresentedCaller) {
    return ocpiSuccess(await this.ocpi.details(this.ocpi.version(version), caller));
  }

  @UseGuards(OcpiTokenGuard)
  @Get(':version/credentials')
  @ApiOperation({ summary: 'Our credentials, carrying the token the caller presented' })
  @ApiResponse({ status: 200, schema: OCPI_SCHEMAS.credentials, description: 'in the shape of this version' })
  async getCredentials(@Param('version') version: string, @CurrentOcpiCaller() caller: PresentedCaller) {
    return ocpiSuccess(await this.ocpi.getCredentials(this.ocpi.version(version), caller));
  }

  @UseGuards(OcpiTokenGuard)
  @Post(':version/credentials')
  @HttpCode(200)
  @ApiBody(CREDENTIALS_BODY)
  @ApiOperation({
    summary: 'Register with TOKEN_A: we call back the versions URL of the body, then answer with TOKEN_C',
    description: `${PEER_ONLY} When our callbacks to the peer fail the answer is HTTP 200 with status_code 3001, 3002 or 3003.`,
  })
  @ApiResponse({ status: 200, schema: OCPI_SCHEMAS.credentials, description: 'our credentials with TOKEN_C (1000), or a failed callback (3001-3003)' })
  @ApiError(405, 'the caller is registered already (its token C): use PUT', 'already registered: use PUT to update the credentials')
  async register(@Param('version') version: string, @CurrentOcpiCaller() caller: PresentedCaller, @Body() body: unknown, @Req() request: FastifyRequest) {
    return ocpiSuccess(await this.ocpi.register(this.ocpi.version(version), caller, body, correlationOf(request)));
  }

  @UseGuards(OcpiTokenGuard)
  @Put(':version/credentials')
  @ApiBody(CREDENTIALS_BODY)
  @ApiOperation({ summary: 'Update: new token, maybe another version; we fetch the endpoints again and issue a new token', description: PEER_ONLY })
  @ApiResponse({ status: 200, schema: OCPI_SCHEMAS.credentials, description: 'our credentials with a new token C' })
  @ApiError(405, 'the caller is not registered (TOKEN_A or unknown)', NOT_REGISTERED)
  async update(@Param('version') version: string, @CurrentOcpiCaller() caller: PresentedCaller, @Body() body: unknown, @Req() request: FastifyRequest) {
    return ocpiSuccess(await this.ocpi.update(this.ocpi.version(version), caller, body, correlationOf(request)));
  }

  @UseGuards(OcpiTokenGuard)
  @Delete(':version/credentials')
  @ApiOperation({ summary: 'Unregister', description: PEER_ONLY })
  @ApiResponse({ status: 200, schema: OCPI_SCHEMAS.empty, description: 'unregistered (1000, no data)' })
  @ApiError(405, 'the caller is not registered', NOT_REGISTERED)
  async unregister(@Param('version') version: string, @CurrentOcpiCaller() caller: PresentedCaller) {
    this.ocpi.version(version);
    await this.ocpi.unregister(caller);
    return ocpiSuccess();
  }

  // Methods OCPI does not define on these paths: 405 in the envelope (404 for a version we do not serve).

  @Patch(':version/credentials')
  @ApiExcludeEndpoint()
  patchCredentials(@Param('version') version: string) {
    this.ocpi.version(version);
    return notAllowed();
  }

  @Post(':version')
  @ApiExcludeEndpoint()
  postVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  @Put(':version')
  @ApiExcludeEndpoint()
  putVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  @Patch(':version')
  @ApiExcludeEndpoint()
  patchVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  @Delete(':version')
  @ApiExcludeEndpoint()
  deleteVersion(@Param('version') version: string) {
    return this.notAllowedOn(version);
  }

  private notAllowedOn(version: string): never {
    if (version !== 'versions') this.ocpi.version(version);
    return notAllowed();
  }
}
