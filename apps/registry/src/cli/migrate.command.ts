import { migrate } from '../database/data-source';
import { CliError, CommandRun, noArguments } from './command';
import { withDatabase } from './database';

/** Applies pending migrations (the server also does this at every start). */
export const runMigrate: CommandRun = async (args, { config, print }, command) => {
  noArguments(command, args);
  const applied = await withDatabase(config, (url) =>
    migrate(url).catch((error: Error) => {
      throw new CliError(`migrations failed: ${error.message}`);
    }),
  );
  if (applied.length === 0) print('migrate: the database is up to date');
  else for (const name of applied) print(`migrate: applied ${name}`);
};
