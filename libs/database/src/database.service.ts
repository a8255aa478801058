import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ClientConfig, Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';

/** Something that runs SQL: the pool, or one connection inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(sql: Sql, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** SQL text, or a named statement that PostgreSQL prepares once per connection (for hot reads). */
export type Sql = string | { name: string; text: string };

export const DATABASE_SETTINGS = Symbol('DATABASE_SETTINGS');

export interface DatabaseSettings {
  /**
   * Whether named statements are prepared once per connection. A pooler in transaction mode (pgbouncer
   * before 1.21, or without max_prepared_statements) hands each transaction another server connection,
   * where the statement does not exist: then they run unnamed (docs/scaling.md).
   */
  preparedStatements: boolean;
}

/**
 * Raw SQL on TypeORM's own pg pool. Repositories use it for every query: hot reads are a single
 * statement with no ORM overhead, and writes that must be atomic run in `transaction()`.
 */
@Injectable()
export class Database implements Queryable {
  private readonly pool: Pool;

  private readonly named: boolean;

  constructor(@InjectDataSource() dataSource: DataSource, @Optional() @Inject(DATABASE_SETTINGS) settings?: DatabaseSettings) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
    this.named = settings?.preparedStatements ?? true;
  }

  query<R extends QueryResultRow = QueryResultRow>(sql: Sql, params?: unknown[]) {
    const statement = this.named || typeof sql === 'string' ? sql : sql.text;
    return this.pool.query<R>(statement as string, params as unknown[]);
  }

  /** How the pool connects, for a connection of its own outside the pool (LISTEN). */
  connectionConfig(): ClientConfig {
    return (this.pool as unknown as { options: ClientConfig }).options;
  }

  /**
   * Runs `work` on one connection between BEGIN and COMMIT. While the connection is checked out it
   * has no pool listener, so a server that goes away (restart, terminated backend) would raise an
   * unhandled 'error' event and end the process: the listener here catches it, the query fails with a
   * connection error (503), and the broken connection is dropped instead of returned to the pool.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    let lost: Error | undefined;
    const onLost = (error: Error) => (lost = error);
    client.on('error', onLost);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (!lost) await client.query('ROLLBACK').catch((rollbackError: Error) => (lost = rollbackError));
      throw error;
    } finally {
      client.removeListener('error', onLost);
      client.release(lost);
    }
  }
}
