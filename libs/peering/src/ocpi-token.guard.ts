import { unauthorized } from '@app/common';
import { createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import { OcpiAuthenticator, OcpiCaller } from './ocpi-authenticator';
import { OcpiServerService } from './ocpi-server.service';

/** The caller of an /ocpi endpoint that presented a token: which one it is decides what the endpoint answers. */
export type PresentedCaller = Exclude<OcpiCaller, { kind: 'missing' }>;

declare module 'fastify' {
  interface FastifyRequest {
    ocpiCaller?: PresentedCaller;
  }
}

const MISSING_TOKEN = 'missing Authorization: Token header';

interface OcpiTokenOptions {
  session: false;
  authenticator: OcpiAuthenticator;
}

/**
 * `Authorization: Token …` (raw or Base64, every OCPI version). A request without one is a 401; with one,
 * the caller is whatever the token is (TOKEN_A, a registered peer's, a callback token, or unknown): OCPI
 * answers an unknown token 401 on some endpoints and 405 on others, so each endpoint decides.
 * Stateless, like the operators' strategies: the guard hands it this application's OcpiAuthenticator.
 */
class OcpiTokenStrategy extends Strategy {
  readonly name = 'ocpi-token';

  override authenticate(request: unknown, options: OcpiTokenOptions): void {
    options.authenticator.authenticate((request as FastifyRequest).headers.authorization).then(
      (caller) => (caller.kind === 'missing' ? this.error(unauthorized(MISSING_TOKEN)) : this.success(caller)),
      (error: unknown) => this.error(error as Error),
    );
  }
}

const STRATEGY = new OcpiTokenStrategy();

/** The OCPI endpoints' guard: the version first (404 for one we do not serve), then the token. */
@Injectable()
export class OcpiTokenGuard extends PassportAuthGuard('ocpi-token') {
  private readonly tokenOptions: OcpiTokenOptions & { property: 'ocpiCaller' };

  constructor(
    authenticator: OcpiAuthenticator,
    private readonly server: OcpiServerService,
  ) {
    super();
    passport.use(STRATEGY.name, STRATEGY);
    this.tokenOptions = { session: false, property: 'ocpiCaller', authenticator };
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const { version } = (context.switchToHttp().getRequest<FastifyRequest>().params ?? {}) as { version?: string };
    if (version !== undefined) this.server.version(version);
    return (await super.canActivate(context)) as boolean;
  }

  override getAuthenticateOptions(): OcpiTokenOptions & { property: 'ocpiCaller' } {
    return this.tokenOptions;
  }

  override handleRequest<TCaller = PresentedCaller>(error: unknown, caller: TCaller | false): TCaller {
    if (error) throw error;
    if (!caller) throw unauthorized(MISSING_TOKEN);
    return caller;
  }
}

/** The caller the OcpiTokenGuard found. */
export const CurrentOcpiCaller = createParamDecorator((_data: unknown, context: ExecutionContext): PresentedCaller => {
  return context.switchToHttp().getRequest<FastifyRequest>().ocpiCaller!;
});
