import { CreateUserDto, hashPassword, TokensRepository, uniqueGrants, userWriteError, UsersRepository } from '@app/auth';
import { describeValidationErrors, RegistryError } from '@app/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { createInterface } from 'node:readline';
import { CliError, usageError } from './command';
import type { RegistryConfig } from '../config/config';
import { withMigratedDatabase } from './database';

/** The repositories the operator commands need, on a migrated database and a connection of their own. */
export async function withRepositories<T>(config: RegistryConfig, work: (users: UsersRepository, tokens: TokensRepository) => Promise<T>): Promise<T> {
  return withMigratedDatabase(config, (db) => work(new UsersRepository(db), new TokensRepository(db)));
}

/** Reads options of the form `--name value` / `--flag`; what is left are the positional arguments. */
export function parseOptions(args: string[], valued: string[], flags: string[]) {
  const options: Record<string, string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name === undefined) positional.push(arg);
    else if (flags.includes(name)) (options[name] ??= []).push('true');
    else if (valued.includes(name)) {
      if (args[i + 1] === undefined) throw usageError(`--${name} needs a value`);
      (options[name] ??= []).push(args[++i]);
    } else throw usageError(`unknown option --${name}`);
  }
  return { options, positional };
}

/** The password from standard input (`--password-stdin`), or typed at a prompt that does not echo it. */
export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) throw usageError('no terminal to ask for the password: pipe it in with --password-stdin');
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      const output = rl as unknown as { _writeToOutput: (text: string) => void };
      output._writeToOutput = (text: string) => {
        if (text.includes(prompt)) process.stderr.write(prompt);
      };
      rl.question(prompt, (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  const password = await ask('password: ');
  if ((await ask('again: ')) !== password) throw new CliError('the passwords differ');
  return password;
}

export function validateUser(fields: Record<string, unknown>): CreateUserDto {
  const dto = plainToInstance(CreateUserDto, fields);
  const problem = describeValidationErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
  if (problem) throw new CliError(problem);
  return dto;
}

/** Creates the user with the API's rules; what went wrong is said as the API would say it. */
export async function createUser(users: UsersRepository, dto: CreateUserDto) {
  try {
    const tenants = uniqueGrants(dto.tenants) ?? [];
    return await users.create({ username: dto.username, passwordHash: await hashPassword(dto.password), admin: dto.admin ?? false, enabled: true, tenants });
  } catch (error) {
    const reason = userWriteError(error, dto.username);
    throw reason instanceof RegistryError ? new CliError(reason.message) : reason;
  }
}
