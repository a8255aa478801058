import { CliCommand } from './command';
import { exportCommand, importCommand } from './hono.command';
import { migrateCommand } from './migrate.command';
import { tokenCreateCommand } from './token-create.command';
import { userCreateCommand } from './user-create.command';

/** Every command of `npm run cli -- …`, in the order the help lists them. */
export const COMMANDS: CliCommand[] = [migrateCommand, userCreateCommand, tokenCreateCommand, importCommand, exportCommand];
