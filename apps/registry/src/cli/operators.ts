import { CreateUserDto, UsersService, UserView } from '@app/auth';
import { describeValidationErrors, RegistryError } from '@app/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { createInterface } from 'node:readline';
import type { INestApplicationContext } from '@nestjs/common';
import { CliError, usageError } from './command';

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

/** Creates the user through the API's UsersService (its rules, its hashing); what went wrong is said as the API would say it. */
export async function createUser(app: INestApplicationContext, dto: CreateUserDto): Promise<UserView> {
  try {
    return await app.get(UsersService).create(dto);
  } catch (error) {
    throw error instanceof RegistryError ? new CliError(error.message) : error;
  }
}
