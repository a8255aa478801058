import { ApiError, badRequest, RegistryError } from '@app/common';
import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExcludeEndpoint, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../authenticated.decorator';
import { DeletedTokenDto, NEW_TOKEN_EXAMPLES, NewTokenBodyDto, NewTokenDto, TokenViewDto } from '../dto/token.dto';
import { OVMS_JSON_TYPE, ovmsJson } from '../ovms-json';
import { CurrentPrincipal, Principal } from '../principal';
import { TokensService } from './tokens.service';

const TOKEN_ADMIN = { right: 'token.admin', orRight: 'admin' } as const;

/** OVMS's /api/token: list, create and delete the caller's API tokens. */
@ApiTags('ovms')
@Controller('api/token')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get()
  @Authenticated(TOKEN_ADMIN)
  @Header('content-type', OVMS_JSON_TYPE)
  @ApiOperation({ summary: "List the caller's API tokens (masked)" })
  @ApiResponse({ status: 200, type: [TokenViewDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<string> {
    return ovmsJson(await this.tokens.list(principal));
  }

  @Post()
  @Authenticated(TOKEN_ADMIN)
  @Header('content-type', OVMS_JSON_TYPE)
  @ApiOperation({ summary: 'Create an API token; the token is shown only in this answer' })
  @ApiConsumes('application/json', 'multipart/form-data', 'application/x-www-form-urlencoded')
  @ApiBody({ type: NewTokenBodyDto, required: false, examples: NEW_TOKEN_EXAMPLES })
  @ApiResponse({ status: 201, type: NewTokenDto, description: 'the token, shown only here' })
  @ApiError(400, 'a field too long, or an unknown right in the permit', 'unknown right in permit: everything')
  @ApiError(403, 'the permit asks for rights the caller does not hold, or the credential lacks token.admin', 'a token cannot carry rights its creator does not hold')
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Query() query: Record<string, unknown>): Promise<string> {
    // Like OVMS, fields may come in the body or the URL; the body wins.
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw badRequest('request body must be form fields or a JSON object');
    }
    const fields = { ...query, ...(body as Record<string, unknown> | undefined) };
    return ovmsJson(await this.tokens.create(principal, fields));
  }

  @Delete()
  @Authenticated(TOKEN_ADMIN)
  // OVMS's answer to a DELETE without a token (404 Token not specified); nothing to try out
  @ApiExcludeEndpoint()
  missingToken(): never {
    throw new RegistryError(404, 'token not specified', 'Token not specified\n');
  }

  @Delete(':token')
  @Authenticated(TOKEN_ADMIN)
  @HttpCode(200)
  @Header('content-type', OVMS_JSON_TYPE)
  @ApiOperation({ summary: "Delete one of the caller's tokens, by the token itself or its id" })
  @ApiResponse({ status: 200, type: DeletedTokenDto, description: 'also when nothing matched' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('token') token: string): Promise<string> {
    return ovmsJson(await this.tokens.delete(principal, token));
  }
}
