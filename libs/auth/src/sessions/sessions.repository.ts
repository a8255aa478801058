import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';
import { SessionEntity } from '../entities/session.entity';
import { StoredUser, USER_JSON, userFromJson } from '../users/users.repository';

export interface SessionOwner {
  user: StoredUser;
  tokenId: string | null;
  permit: string;
  /** Milliseconds since the recorded last use, by the database's clock. */
  idleMs: number;
}

/** Every query on cookie sessions. Sessions are found by the SHA-256 of the cookie value only. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly db: Database) {}

  /** `created` and `last_used` are the database's now(), like every later use: no clock of ours is written. */
  async create(idHash: string, userId: string, tokenId: string | null, permit: string): Promise<void> {
    await this.db.manager.insert(SessionEntity, { idHash, userId, tokenId, permit });
  }

  /** A live session (used within the idle time) and its owner, in one indexed query. Hand-written: cookie authentication's one prepared statement. */
  async findLive(idHash: string, idleSeconds: number): Promise<SessionOwner | undefined> {
    const result = await this.db.query<{ token_id: string | null; permit: string; idle_ms: number; user: Parameters<typeof userFromJson>[0] }>(
      {
        name: 'session-owner',
        text: `SELECT s.token_id, s.permit, (extract(epoch FROM now() - s.last_used) * 1000)::float8 AS idle_ms, ${USER_JSON} AS user
                 FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.id_hash = $1 AND s.last_used > now() - make_interval(secs => $2)`,
      },
      [idHash, idleSeconds],
    );
    const row = result.rows[0];
    return row && { user: userFromJson(row.user), tokenId: row.token_id, permit: row.permit, idleMs: row.idle_ms };
  }

  /**
   * Records a use of a session that is still live, in one conditional UPDATE by the database's clock;
   * false when it is gone or expired.
   */
  async touch(idHash: string, idleSeconds: number): Promise<boolean> {
    const result = await this.db.manager
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ lastUsed: () => 'now()' })
      .where('id_hash = :idHash AND last_used > now() - make_interval(secs => :idleSeconds)', { idHash, idleSeconds })
      .execute();
    return result.affected === 1;
  }

  async delete(idHash: string): Promise<void> {
    await this.db.manager.delete(SessionEntity, { idHash });
  }

  async purgeExpired(idleSeconds: number): Promise<number> {
    const result = await this.db.manager
      .createQueryBuilder()
      .delete()
      .from(SessionEntity)
      .where('last_used < now() - make_interval(secs => :idleSeconds)', { idleSeconds })
      .execute();
    return result.affected ?? 0;
  }
}
