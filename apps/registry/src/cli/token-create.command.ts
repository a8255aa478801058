import { CliError, CommandRun, stringOption, usageError } from './command';
import { issueToken, TokenFields, tokenFields, TokensRepository, UsersRepository } from '@app/auth';
import { RegistryError } from '@app/common';
import { withApplication } from './database';

/** `token:create alice --permit auth,registry.write`: prints the new API token (shown only here). */
export const runTokenCreate: CommandRun = async (args, { config, print }, command) => {
  if (args.positionals.length !== 1) throw usageError(`usage: ${command.usage}`);
  const username = args.positionals[0];
  let fields: TokenFields;
  try {
    fields = tokenFields({ permit: stringOption(args, 'permit'), application: stringOption(args, 'application'), purpose: stringOption(args, 'purpose') });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const token = await withApplication(config, async (app) => {
    // the repositories of the application's AuthModule, and the API's rule for what a token may carry
    const user = await app.get(UsersRepository, { strict: false }).findByName(username);
    if (!user) throw new CliError(`no user ${username}`);
    return issueToken(app.get(TokensRepository, { strict: false }), user, fields).catch((error: unknown) => {
      throw error instanceof RegistryError ? usageError(error.message) : error;
    });
  });
  print(token);
};
