import type { RegistryConfig } from '../config/config';

/** What a command gets: the validated configuration and where to print its results. */
export interface CliContext {
  config: RegistryConfig;
  /** One line of output on stdout (results, for scripts to read). */
  print(line: string): void;
}

/** One `npm run cli -- <name> …` command. Register new ones in cli/commands.ts. */
export interface CliCommand {
  name: string;
  /** `<name> <arguments>` as shown in the help. */
  usage: string;
  summary: string;
  /** Commands that encrypt or decrypt secrets need SECRET_KEY like the server; the others run without it. */
  needsSecretKey?: boolean;
  run(args: string[], context: CliContext): Promise<void>;
}

/** A failure the user can act on: printed as one line, exit code 1 (2 for a wrong command line). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, 2);

/** For commands that take no arguments. */
export function noArguments(command: CliCommand, args: string[]): void {
  if (args.length > 0) throw usageError(`${command.name} takes no arguments, got "${args.join(' ')}" (usage: ${command.usage})`);
}
