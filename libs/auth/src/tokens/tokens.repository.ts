import { Database } from '@app/database';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { StoredUser, USER_COLUMNS } from '../users/users.repository';

export interface StoredToken {
  id: string;
  token_prefix: string;
  application: string;
  purpose: string;
  permit: string;
  created: Date;
  refreshed: Date;
  last_used: Date | null;
}

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
    await this.db.query(
      `INSERT INTO api_tokens (id, user_id, token_hash, token_prefix, application, purpose, permit) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [randomUUID(), userId, tokenHash, tokenPrefix, fields.application, fields.purpose, fields.permit],
    );
  }

  async listByUser(userId: string): Promise<StoredToken[]> {
    const result = await this.db.query<StoredToken>(
      `SELECT id, token_prefix, application, purpose, permit, created, refreshed, last_used FROM api_tokens WHERE user_id = $1 ORDER BY created, id`,
      [userId],
    );
    return result.rows;
  }

  /** The token and its owner in one indexed query. */
  async findOwner(tokenHash: string): Promise<TokenOwner | undefined> {
    const result = await this.db.query<{ token_id: string; token_permit: string; user: StoredUser }>(
      {
        name: 'token-owner',
        text: `SELECT t.id AS token_id, t.permit AS token_permit, (SELECT row_to_json(x) FROM (SELECT ${USER_COLUMNS}) x) AS user
                 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
      },
      [tokenHash],
    );
    const row = result.rows[0];
    return row && { user: row.user, tokenId: row.token_id, permit: row.token_permit };
  }

  /** Deletes one of the user's tokens, named by its hash or its id; returns the ids deleted. */
  async delete(userId: string, tokenHash: string, id: string): Promise<string[]> {
    const result = await this.db.query<{ id: string }>(
      `DELETE FROM api_tokens WHERE user_id = $1 AND (token_hash = $2 OR id::text = $3) RETURNING id`,
      // a NUL cannot be in a uuid, and PostgreSQL rejects it in text parameters
      [userId, tokenHash, id.includes('\0') ? '' : id],
    );
    return result.rows.map((row) => row.id);
  }

  async touch(tokenId: string): Promise<void> {
    await this.db.query('UPDATE api_tokens SET last_used = now() WHERE id = $1', [tokenId]);
  }
}
