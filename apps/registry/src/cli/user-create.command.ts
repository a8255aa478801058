import { CliCommand, usageError } from './command';
import { createUser, parseOptions, readPassword, validateUser, withRepositories } from './operators';

/** `user:create alice --admin --tenant t1:write --password-stdin` */
export const userCreateCommand: CliCommand = {
  name: 'user:create',
  usage: 'user:create <username> [--admin] [--tenant <tenant>:read|write]… [--password-stdin]',
  summary: 'create an operator; the password is asked for at a prompt, or read from standard input',
  async run(args, { config, print }) {
    const { options, positional } = parseOptions(args, ['tenant'], ['admin', 'password-stdin']);
    if (positional.length !== 1) throw usageError(`usage: ${userCreateCommand.usage}`);
    const tenants = (options.tenant ?? []).map((grant) => {
      const match = /^(.+):(read|write)$/.exec(grant);
      if (!match) throw usageError(`--tenant takes <tenant>:read or <tenant>:write, got "${grant}"`);
      return { tenant: match[1], access: match[2] };
    });
    const password = await readPassword(options['password-stdin'] !== undefined);
    const dto = validateUser({ username: positional[0], password, admin: options.admin !== undefined, tenants });
    const user = await withRepositories(config, (users) => createUser(users, dto));
    print(`created ${user!.admin ? 'admin ' : ''}user ${user!.username}${tenants.length ? ` with ${tenants.map((t) => `${t.tenant}:${t.access}`).join(', ')}` : ''}`);
  },
};
