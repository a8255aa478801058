import { CliCommand, flag, stringOptions, usageError } from './command';
import { createUser, readPassword, validateUser } from './operators';
import { withApplication } from './database';

/** `user:create alice --admin --tenant t1:write --password-stdin` */
export const userCreateCommand: CliCommand = {
  name: 'user:create',
  usage: 'user:create <username> [--admin] [--tenant <tenant>:read|write]… [--password-stdin]',
  summary: 'create an operator; the password is asked for at a prompt, or read from standard input',
  options: { admin: { type: 'boolean' }, tenant: { type: 'string', multiple: true }, 'password-stdin': { type: 'boolean' } },
  async run(args, { config, print }) {
    if (args.positionals.length !== 1) throw usageError(`usage: ${userCreateCommand.usage}`);
    const tenants = stringOptions(args, 'tenant').map((grant) => {
      const match = /^(.+):(read|write)$/.exec(grant);
      if (!match) throw usageError(`--tenant takes <tenant>:read or <tenant>:write, got "${grant}"`);
      return { tenant: match[1], access: match[2] };
    });
    const password = await readPassword(flag(args, 'password-stdin'));
    const dto = validateUser({ username: args.positionals[0], password, admin: flag(args, 'admin'), tenants });
    const user = await withApplication(config, (app) => createUser(app, dto));
    print(`created ${user.admin ? 'admin ' : ''}user ${user.username}${tenants.length ? ` with ${tenants.map((t) => `${t.tenant}:${t.access}`).join(', ')}` : ''}`);
  },
};
