import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../apps/registry/src/database/data-source';
import { connect, createTestDatabase } from '../../../test/setup/test-database';
import { isDatabaseUnavailable } from '@app/common';
import { Database } from './database.service';

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
