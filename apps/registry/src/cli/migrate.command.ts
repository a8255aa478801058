import { migrate } from '../database/data-source';
import { CliCommand, CliError, noArguments } from './command';
import { withDatabase } from './database';

/** Applies pending migrations (the server also does this at every start). */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  usage: 'migrate',
  summary: 'apply pending database migrations to DATABASE_URL, or to the embedded PostgreSQL in DATA_DIR',
  async run(args, { config, print }) {
    noArguments(migrateCommand, args);
    const applied = await withDatabase(config, (url) =>
      migrate(url).catch((error: Error) => {
        throw new CliError(`migrations failed: ${error.message}`);
      }),
    );
    if (applied.length === 0) print('migrate: the database is up to date');
    else for (const name of applied) print(`migrate: applied ${name}`);
  },
};
