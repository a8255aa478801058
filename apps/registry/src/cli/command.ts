import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RegistryConfig } from '../config/config';

/** What a command gets: the validated configuration and where to print its results. */
export interface CliContext {
  config: RegistryConfig;
  /** One line of output on stdout (results, for scripts to read). */
  print(line: string): void;
}

/** A command's options as `node:util.parseArgs` takes them: `--name <value>` (string) or `--flag` (boolean). */
export type CliOptions = NonNullable<ParseArgsConfig['options']>;

/** The command line after the command's name, parsed against its options. */
export interface CliArguments {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

/** One `npm run cli -- <name> …` command. Register new ones in cli/commands.ts. */
export interface CliCommand {
  name: string;
  /** `<name> <arguments>` as shown in the help. */
  usage: string;
  summary: string;
  /** Commands that encrypt or decrypt secrets need SECRET_KEY like the server; the others run without it. */
  needsSecretKey?: boolean;
  /** The options it takes (none when absent); anything else on the command line is a positional argument. */
  options?: CliOptions;
  /** Loads what runs it only when it runs: `help` and a wrong command line never load the application. */
  load(): Promise<CommandRun>;
}

/** What a command does, given its parsed arguments. */
export type CommandRun = (args: CliArguments, context: CliContext, command: CliCommand) => Promise<void>;

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

/** The option `parseArgs` names in its error message (`Unknown option '--password'. …`). */
const optionIn = (message: string) => /'(-[^' ]+)/.exec(message)?.[1] ?? message;

/**
 * Parses the command's arguments with `node:util.parseArgs` (strict: an unknown option or a missing value
 * is a usage error, exit 2, saying what the command takes).
 */
export function parseCommandLine(command: CliCommand, args: string[]): CliArguments {
  try {
    return parseArgs({ args, options: command.options ?? {}, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const usage = `usage: npm run cli -- ${command.usage}`;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw usageError(`unknown option ${optionIn((error as Error).message)} (${usage})`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw usageError(`${optionIn((error as Error).message)} needs a value (${usage})`);
    throw error;
  }
}

/** For commands that take no arguments. */
export function noArguments(command: CliCommand, args: CliArguments): void {
  if (args.positionals.length > 0) {
    throw usageError(`${command.name} takes no arguments, got "${args.positionals.join(' ')}" (usage: ${command.usage})`);
  }
}

/** The value of a `--name <value>` option given once (the last one when given more often). */
export function stringOption(args: CliArguments, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Whether the `--flag` was given. */
export const flag = (args: CliArguments, name: string): boolean => args.values[name] === true;

/** Every value of an option declared `multiple: true`. */
export function stringOptions(args: CliArguments, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
