import 'reflect-metadata';
import { CliCommand, CliError, parseCommandLine, usageError } from './cli/command';
import { COMMANDS } from './cli/commands';

/** Stands in for SECRET_KEY when a command never touches encrypted data (validation only, never used). */
const UNUSED_SECRET_KEY = 'unused-by-this-command-'.padEnd(64, '0');

function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.usage.length), 'help [command]'.length);
  const lines = [
    'usage: npm run cli -- <command> [arguments]',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`),
    `  ${'help [command]'.padEnd(width)}  show this help, or one command's`,
    '',
    'The commands read the same environment as the server (DATABASE_URL, DATA_DIR, SECRET_KEY, …).',
  ];
  return lines.join('\n');
}

function find(name: string): CliCommand {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw usageError(`unknown command "${name}" (commands: ${[...COMMANDS.map((c) => c.name), 'help'].join(', ')})`);
  return command;
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(`${helpText()}\n`);
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    if (args[0] !== undefined) {
      const command = find(args[0]);
      process.stdout.write(`usage: npm run cli -- ${command.usage}\n${command.summary}\n`);
    } else {
      process.stdout.write(`${helpText()}\n`);
    }
    return 0;
  }
  const command = find(name);
  const parsed = parseCommandLine(command, args); // a wrong command line fails before anything is loaded
  const { ConfigError, loadConfig } = await import('./config/config');
  const env = { ...process.env };
  if (!command.needsSecretKey && !env.SECRET_KEY) env.SECRET_KEY = UNUSED_SECRET_KEY;
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`configuration: ${error.message}`);
    throw error;
  }
  const run = await command.load();
  await run(parsed, { config, print: (line) => process.stdout.write(`${line}\n`) }, command);
  return 0;
}

dispatch(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const known = error instanceof CliError;
    const message = known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`device-registry: ${message}\n`);
    process.exit(known ? error.exitCode : 1);
  },
);
