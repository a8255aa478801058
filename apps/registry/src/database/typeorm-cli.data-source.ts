/**
 * The data source of the TypeORM CLI (`npm run typeorm -- <command>`): the service's entities and
 * migrations on DATABASE_URL. `schema:log` shows what the entities would change on that database,
 * `migration:generate <path>` writes it as the next migration (docs/database.md).
 */
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

const url = process.env.DATABASE_URL;
if (url === undefined || url === '') {
  // the TypeORM CLI exits 1 without a word when its data source file throws: say why first
  const message = 'DATABASE_URL is not set: the TypeORM CLI compares the entities with the database it names';
  process.stderr.write(`typeorm: ${message}\n`);
  throw new Error(message);
}

export default new DataSource({ ...dataSourceOptions(url), extra: { max: 2 } });
