import { CliCommand, CliError, usageError } from './command';
import { issueToken, TokenFields, tokenFields } from '@app/auth';
import { RegistryError } from '@app/common';
import { parseOptions, withRepositories } from './operators';

/** `token:create alice --permit auth,registry.write`: prints the new API token (shown only here). */
export const tokenCreateCommand: CliCommand = {
  name: 'token:create',
  usage: 'token:create <username> [--permit <permit>] [--application <name>] [--purpose <text>]',
  summary: "create an API token for a user and print it (the OVMS POST /api/token, from the shell)",
  async run(args, { config, print }) {
    const { options, positional } = parseOptions(args, ['permit', 'application', 'purpose'], []);
    if (positional.length !== 1) throw usageError(`usage: ${tokenCreateCommand.usage}`);
    let fields: TokenFields;
    try {
      fields = tokenFields({ permit: options.permit?.[0], application: options.application?.[0], purpose: options.purpose?.[0] });
    } catch (error) {
      throw usageError((error as Error).message);
    }
    const token = await withRepositories(config, async (users, tokens) => {
      const user = await users.findByName(positional[0]);
      if (!user) throw new CliError(`no user ${positional[0]}`);
      return issueToken(tokens, user, fields).catch((error: unknown) => {
        throw error instanceof RegistryError ? usageError(error.message) : error;
      });
    });
    print(token);
  },
};
