import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../../test/setup/test-database';
import { dataSourceOptions } from './data-source';

/**
 * The entities are the schema's single source: on a database the migrations built, TypeORM's schema
 * builder finds nothing to change, so `migration:generate` produces only what an entity change asks for.
 */
describe('entities and migrations', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(dataSourceOptions(await createTestDatabase()));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('describe the same schema: the schema builder wants no statement on a migrated database', async () => {
    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    expect(upQueries.map((query) => query.query)).toEqual([]);
  });
});
