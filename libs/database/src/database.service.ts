import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ClientConfig, PoolClient, QueryResultRow } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { DataSource, DataSourceOptions, EntityManager, EntityTarget, ObjectLiteral, QueryDeepPartialEntity, QueryRunnerAlreadyReleasedError } from 'typeorm';

type PostgresConnectionOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** Something that runs SQL: the pool, or one connection inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(sql: Sql, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * One transaction: `manager` for repositories and QueryBuilder, `query` for the statements the ORM
 * cannot say (both run on the same connection, between the same BEGIN and COMMIT).
 */
export interface Transaction extends Queryable {
  readonly manager: EntityManager;
}

/** A jsonb column's value as QueryBuilder writes take it (TypeORM's deep-partial type cannot say free-form JSON). */
export type JsonColumn = QueryDeepPartialEntity<{ body: Record<string, unknown> }>['body'];

/** SQL text, or a named statement that PostgreSQL prepares once per connection (for hot reads). */
export type Sql = string | { name: string; text: string };

export const DATABASE_SETTINGS = Symbol('DATABASE_SETTINGS');

/**
 * A row a QueryBuilder write returned (`RETURNING *`: column names, values as the driver read them) as
 * the entity's properties, through the entity's metadata and the driver's hydration: what TypeORM does
 * for a `find`, for the statements whose condition and result must be one (UPDATE … WHERE … RETURNING).
 */
export function entityFromRow<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, row: Record<string, unknown>): T {
  const entity: Record<string, unknown> = {};
  for (const column of manager.connection.getMetadata(target).columns) {
    if (column.databaseName in row) entity[column.propertyName] = manager.connection.driver.prepareHydratedValue(row[column.databaseName], column);
  }
  return entity as T;
}

/**
 * While checked out the pool does not listen to a connection: a server going away would raise an unhandled
 * 'error' and end the process. One listener per connection, for its whole life (not one per statement or
 * transaction: a device GET is one statement), records what broke it, for `query` and `transaction` alike.
 */
const watchedClients = new WeakMap<PoolClient, { lost?: Error }>();

function watched(client: PoolClient): { lost?: Error } {
  let watch = watchedClients.get(client);
  if (watch === undefined) {
    const state: { lost?: Error } = {};
    client.on('error', (error: Error) => (state.lost ??= error));
    watchedClients.set(client, (watch = state));
  }
  return watch;
}

export interface DatabaseSettings {
  /**
   * Whether named statements are prepared once per connection. A pooler in transaction mode (pgbouncer
   * before 1.21, or without max_prepared_statements) hands each transaction another server connection,
   * where the statement does not exist: then they run unnamed (docs/scaling.md).
   */
  preparedStatements: boolean;
}

/**
 * TypeORM's connection for the repositories: `manager` and `transaction()` for the ORM, and `query()`
 * for the few hand-written statements (hot reads as one prepared statement, search), run on a pooled
 * connection that a QueryRunner checks out (docs/architecture.md, "Data access").
 */
@Injectable()
export class Database implements Queryable {
  private readonly named: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() @Inject(DATABASE_SETTINGS) settings?: DatabaseSettings,
  ) {
    this.named = settings?.preparedStatements ?? true;
  }

  /** The entity manager outside a transaction. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * One statement on a pooled connection. The pg client, not `QueryRunner.query`, runs it: only the
   * client takes a named (prepared) statement, and the hot reads skip the ORM's result handling. The
   * connection comes from the driver's `obtainMasterConnection()` (public API of TypeORM's PostgresDriver),
   * not a QueryRunner: a runner and its EntityManager per statement doubled the garbage of a device GET.
   */
  async query<R extends QueryResultRow = QueryResultRow>(sql: Sql, params?: unknown[]) {
    const [client, release] = (await (this.dataSource.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (error?: Error) => void];
    const watch = watched(client);
    try {
      return await client.query<R>(this.statement(sql) as string, params as unknown[]);
    } finally {
      // a connection that broke is dropped, not returned to the pool
      release(watch.lost);
    }
  }

  /** How the pool connects, for a connection of its own outside the pool (LISTEN). */
  connectionConfig(): ClientConfig {
    const options = this.dataSource.options as PostgresConnectionOptions;
    const extra = (options.extra ?? {}) as ClientConfig;
    return {
      connectionString: options.url,
      host: options.host,
      port: options.port,
      user: options.username,
      password: typeof options.password === 'string' ? options.password : undefined,
      database: options.database,
      ssl: options.ssl as ClientConfig['ssl'],
      connectionTimeoutMillis: extra.connectionTimeoutMillis ?? options.connectTimeoutMS,
    };
  }

  /**
   * Runs `work` on one connection between BEGIN and COMMIT, through a QueryRunner. A server that goes
   * away while the connection is checked out (restart, terminated backend) makes the runner release it
   * with the error, so it is dropped instead of returned to the pool; the transaction then fails with
   * that connection error (503), also when the next step was an ORM call on the released runner. The
   * connection's one listener (`watched`) catches that error and every later one as the connection closes.
   */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    const watch = watched(client);
    const tx: Transaction = {
      manager: runner.manager,
      query: <R extends QueryResultRow = QueryResultRow>(sql: Sql, params?: unknown[]) => client.query<R>(this.statement(sql) as string, params as unknown[]),
    };
    try {
      await runner.startTransaction();
      const result = await work(tx);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      let rollbackFailure: Error | undefined;
      if (!watch.lost && !runner.isReleased) await runner.rollbackTransaction().catch((failure: Error) => (rollbackFailure = failure));
      const lost = watch.lost ?? rollbackFailure;
      // an ORM call after the connection broke fails as "already released": report the connection's error
      throw lost && error instanceof QueryRunnerAlreadyReleasedError ? lost : error;
    } finally {
      await runner.release();
    }
  }

  private statement(sql: Sql): Sql {
    return this.named || typeof sql === 'string' ? sql : sql.text;
  }
}
