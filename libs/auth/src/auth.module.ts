import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { CredentialCache } from './credential-cache';
import { MeController } from './me/me.controller';
import { CookieController } from './sessions/cookie.controller';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { TokensController } from './tokens/tokens.controller';
import { TokensRepository } from './tokens/tokens.repository';
import { TokensService } from './tokens/tokens.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import { AttemptThrottle } from './throttle/attempt-throttle';
import { ThrottleRepository } from './throttle/throttle.repository';

/** Operators: users, sessions, API tokens, and the global guard in front of every route. */
@Module({
  controllers: [CookieController, MeController, TokensController, UsersController],
  providers: [
    UsersRepository,
    TokensRepository,
    SessionsRepository,
    ThrottleRepository,
    AttemptThrottle,
    CredentialCache,
    Authenticator,
    UsersService,
    TokensService,
    SessionsService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [UsersService, Authenticator, AttemptThrottle, UsersRepository, TokensRepository],
})
export class AuthModule {}
