import { REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Authenticator } from '../authenticator';
import { Principal } from '../principal';
import { newSessionId, sha256 } from '../secrets';
import { SessionsRepository } from './sessions.repository';

const PURGE_EVERY_MS = 60_000;

/** Cookie sessions: opened by GET /api/cookie, closed by DELETE /api/cookie or idle expiry. */
@Injectable()
export class SessionsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Sessions');
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly authenticator: Authenticator,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** A new session for the caller; a session the request already held dies (rotation). Returns the cookie value. */
  async open(principal: Principal): Promise<string> {
    await this.close(principal);
    const sessionId = newSessionId();
    await this.sessions.create(sha256(sessionId), principal.userId, principal.tokenId, principal.permit.text);
    return sessionId;
  }

  /** Ends the request's session; other instances hear of it from the database (a trigger notifies). */
  async close(principal: Principal): Promise<void> {
    if (!principal.sessionHash) return;
    await this.sessions.delete(principal.sessionHash);
    this.authenticator.forgetSession(principal.sessionHash);
  }

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purgeExpired().catch(() => undefined), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  /** Deletes sessions idle for longer than SESSION_IDLE_SECONDS (they no longer authenticate anyway). */
  async purgeExpired(): Promise<number> {
    const purged = await this.sessions.purgeExpired(this.config.sessionIdleSeconds);
    if (purged > 0) this.logger.log(`purged ${purged} expired sessions`);
    return purged;
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }
}
