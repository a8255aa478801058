import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../apps/registry/src/database/data-source';
import { connect, createTestDatabase } from '../../../test/setup/test-database';
import { isDatabaseUnavailable } from '@app/common';
import { PeerEntity } from '@app/peering';
import { Database, entityFromRow } from './database.service';

/** A transaction whose connection dies must fail like any query, not take the process down with it. */
describe('Database.transaction when the connection is lost', () => {
  let dataSource: DataSource;
  let database: Database;
  let url: string;

  beforeAll(async () => {
    url = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(url)).initialize();
    database = new Database(dataSource);
  });
  afterAll(() => dataSource.destroy());

  it('rejects when the backend is terminated during a statement, and the pool keeps working', async () => {
    const error = await database.transaction((tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())')).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(error)).toBe(true);
    const { rows } = await database.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('rejects when the backend is terminated between two statements of the transaction', async () => {
    const killer = await connect(url);
    try {
      const work = database.transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        await sleep(200); // the socket closes while no statement is running
        await tx.query('SELECT 1');
      });
      const error = await work.catch((e: unknown) => e);
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await killer.end();
    }
    const { rows } = await database.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});

describe('Database on the DataSource', () => {
  let dataSource: DataSource;
  let database: Database;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(await createTestDatabase())).initialize();
    database = new Database(dataSource);
  });
  afterAll(() => dataSource.destroy());

  it("runs a transaction's hand-written statements and its EntityManager on one connection, and rolls both back", async () => {
    const failure = new Error('abort');
    const pids = await database
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO tenants (id, body, version) VALUES ('t-raw', '{}', 'v')`);
        await tx.manager.query(`INSERT INTO tenants (id, body, version) VALUES ('t-orm', '{}', 'v')`);
        const [raw] = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
        const [orm] = (await tx.manager.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
        expect(orm.pid).toBe(raw.pid);
        throw failure;
      })
      .catch((e: unknown) => e);
    expect(pids).toBe(failure);
    const { rows } = await database.query(`SELECT id FROM tenants WHERE id IN ('t-raw', 't-orm')`);
    expect(rows).toEqual([]);
  });

  it('gives a connection of its own the settings the pool connects with', async () => {
    const client = new Client(database.connectionConfig());
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
      expect(rows[0].name).toBe(dataSource.options.database ?? new URL((dataSource.options as { url: string }).url).pathname.slice(1));
    } finally {
      await client.end();
    }
  });
});

/** A QueryBuilder write's RETURNING row, read back as the entity `find` would give. */
describe('entityFromRow', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(await createTestDatabase())).initialize();
  });
  afterAll(() => dataSource.destroy());

  it('names the columns by their properties, with the values a find reads', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const inserted = await dataSource.manager
      .createQueryBuilder()
      .insert()
      .into(PeerEntity)
      .values({ id, name: 'a peer', side: 'server', status: 'invited', tokenAHash: 'hash', endpoints: [{ identifier: 'credentials', url: 'https://peer.example/c' }] as never })
      .returning('*')
      .execute();
    const entity = entityFromRow(dataSource.manager, PeerEntity, (inserted.raw as Array<Record<string, unknown>>)[0]);
    expect(entity).toEqual(await dataSource.manager.findOneByOrFail(PeerEntity, { id }));
    expect(entity).toMatchObject({ tokenAHash: 'hash', failedAttempts: 0, busyId: null, endpoints: [{ identifier: 'credentials', url: 'https://peer.example/c' }] });
    expect(entity.created).toBeInstanceOf(Date);
    expect(Object.keys(entity)).not.toContain('token_a_hash');
  });
});
