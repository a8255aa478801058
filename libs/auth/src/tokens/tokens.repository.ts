import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { StoredUser, USER_JSON, userFromJson } from '../users/users.repository';

/** A token as listed: the entity's columns under their column names. */
export type StoredToken = Pick<ApiTokenEntity, 'id' | 'application' | 'purpose' | 'permit' | 'created' | 'refreshed'> & {
  token_prefix: ApiTokenEntity['tokenPrefix'];
  last_used: ApiTokenEntity['lastUsed'];
};

export interface TokenOwner {
  user: StoredUser;
  tokenId: string;
  permit: string;
}

/** Every query on API tokens. Tokens are found by their SHA-256 only. */
@Injectable()
export class TokensRepository {
  constructor(private readonly db: Database) {}

  async create(userId: string, tokenHash: string, tokenPrefix: string, fields: { application: string; purpose: string; permit: string }): Promise<void> {
    await this.db.manager.insert(ApiTokenEntity, { id: randomUUID(), userId, tokenHash, tokenPrefix, ...fields });
  }

  async listByUser(userId: string): Promise<StoredToken[]> {
    const tokens = await this.db.manager.find(ApiTokenEntity, { where: { userId }, order: { created: 'ASC', id: 'ASC' } });
    return tokens.map(({ id, tokenPrefix, application, purpose, permit, created, refreshed, lastUsed }) => ({
      id,
      token_prefix: tokenPrefix,
      application,
      purpose,
      permit,
      created,
      refreshed,
      last_used: lastUsed,
    }));
  }

  /** The token and its owner in one indexed query. Hand-written: token authentication's one prepared statement (the hot path). */
  async findOwner(tokenHash: string): Promise<TokenOwner | undefined> {
    const result = await this.db.query<{ token_id: string; token_permit: string; user: Parameters<typeof userFromJson>[0] }>(
      {
        name: 'token-owner',
        text: `SELECT t.id AS token_id, t.permit AS token_permit, ${USER_JSON} AS user
                 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
      },
      [tokenHash],
    );
    const row = result.rows[0];
    return row && { user: userFromJson(row.user), tokenId: row.token_id, permit: row.token_permit };
  }

  /** Deletes one of the user's tokens, named by its hash or its id; returns the ids deleted. */
  async delete(userId: string, tokenHash: string, id: string): Promise<string[]> {
    const result = await this.db.manager
      .createQueryBuilder()
      .delete()
      .from(ApiTokenEntity)
      // a NUL cannot be in a uuid, and PostgreSQL rejects it in text parameters
      .where('user_id = :userId AND (token_hash = :tokenHash OR id::text = :id)', { userId, tokenHash, id: id.includes('\0') ? '' : id })
      .returning('id')
      .execute();
    return (result.raw as Array<{ id: string }>).map((row) => row.id);
  }

  async touch(tokenId: string): Promise<void> {
    await this.db.manager.update(ApiTokenEntity, { id: tokenId }, { lastUsed: () => 'now()' });
  }
}
