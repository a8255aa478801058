import { forbidden, isCrossSite, REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { applyDecorators, Controller, Delete, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated } from '../authenticated.decorator';
import { OVMS_TEXT_TYPE } from '../ovms-json';
import { CurrentPrincipal, Principal } from '../principal';
import { setSessionCookie } from './session-cookie';
import { SessionsService } from './sessions.service';

/** OVMS's plain-text answer (`Login ok`, `Logout ok`). */
const AnswersOvmsText = () => applyDecorators(Header('content-type', OVMS_TEXT_TYPE), ApiProduces('text/plain'));

/** OVMS's /api/cookie: log in to a cookie session and out of it. */
@ApiTags('ovms')
@Controller('api/cookie')
export class CookieController {
  constructor(
    private readonly sessions: SessionsService,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  @Get()
  @Authenticated({ right: 'session' })
  @AnswersOvmsText()
  @ApiOperation({ summary: 'Log in: answers Login ok and sets the ovmsapisession cookie' })
  @ApiResponse({ status: 200, description: 'Login ok; Set-Cookie: ovmsapisession', schema: { type: 'string', example: 'Login ok\n' } })
  async login(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    // login CSRF: another site must not log the browser in (to the attacker's account, say)
    if (isCrossSite(request, this.config.publicUrl)) throw forbidden('cross-site login refused');
    const sessionId = await this.sessions.open(principal);
    setSessionCookie(request, reply, this.config.publicUrl, sessionId);
    return 'Login ok\n';
  }

  @Delete()
  @Authenticated({ right: 'session' })
  @AnswersOvmsText()
  @ApiOperation({ summary: 'Log out: ends the session and clears the cookie' })
  @ApiResponse({ status: 200, description: 'Logout ok; the cookie is cleared', schema: { type: 'string', example: 'Logout ok\n' } })
  async logout(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    await this.sessions.close(principal);
    setSessionCookie(request, reply, this.config.publicUrl, undefined);
    return 'Logout ok\n';
  }
}
