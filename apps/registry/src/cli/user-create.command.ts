import { CommandRun, flag, stringOptions, usageError } from './command';
import { createUser, readPassword, validateUser } from './operators';
import { withApplication } from './database';

/** `user:create alice --admin --tenant t1:write --password-stdin` */
export const runUserCreate: CommandRun = async (args, { config, print }, command) => {
  if (args.positionals.length !== 1) throw usageError(`usage: ${command.usage}`);
  const tenants = stringOptions(args, 'tenant').map((grant) => {
    const match = /^(.+):(read|write)$/.exec(grant);
    if (!match) throw usageError(`--tenant takes <tenant>:read or <tenant>:write, got "${grant}"`);
    return { tenant: match[1], access: match[2] };
  });
  const password = await readPassword(flag(args, 'password-stdin'));
  const dto = validateUser({ username: args.positionals[0], password, admin: flag(args, 'admin'), tenants });
  const user = await withApplication(config, (app) => createUser(app, dto));
  print(`created ${user.admin ? 'admin ' : ''}user ${user.username}${tenants.length ? ` with ${tenants.map((t) => `${t.tenant}:${t.access}`).join(', ')}` : ''}`);
};
