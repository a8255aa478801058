import { Writable } from 'node:stream';
import { CliCommand, flag, noArguments, parseCommandLine, stringOption, stringOptions } from './command';
import { COMMANDS } from './commands';
import { ProgressOutput } from './progress';

const command: CliCommand = {
  name: 'demo',
  usage: 'demo <name> [--flag] [--value <v>] [--many <m>]…',
  summary: 'for the test',
  options: { flag: { type: 'boolean' }, value: { type: 'string' }, many: { type: 'string', multiple: true } },
  load: () => Promise.reject(new Error('not run')),
};

describe('parseCommandLine', () => {
  it('splits options and positional arguments', () => {
    const args = parseCommandLine(command, ['x', '--flag', '--value', 'v', '--many', 'a', '--many', 'b', 'y']);
    expect(args.positionals).toEqual(['x', 'y']);
    expect([flag(args, 'flag'), stringOption(args, 'value'), stringOptions(args, 'many')]).toEqual([true, 'v', ['a', 'b']]);
    const none = parseCommandLine(command, []);
    expect([flag(none, 'flag'), stringOption(none, 'value'), stringOptions(none, 'many')]).toEqual([false, undefined, []]);
  });

  it('an unknown option is a usage error (exit 2) that shows the usage', () => {
    expect(() => parseCommandLine(command, ['--password', 'x'])).toThrow(
      expect.objectContaining({ exitCode: 2, message: 'unknown option --password (usage: npm run cli -- demo <name> [--flag] [--value <v>] [--many <m>]…)' }),
    );
  });

  it('an option without its value is a usage error naming it', () => {
    expect(() => parseCommandLine(command, ['x', '--value'])).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^--value needs a value/) }));
  });

  it('a command without arguments refuses positional ones', () => {
    expect(() => noArguments(command, parseCommandLine(command, ['extra']))).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^demo takes no arguments, got "extra"/) }));
  });

  it('every command declares its options in the light command list (help loads nothing else)', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(['migrate', 'user:create', 'token:create', 'import', 'export']);
    const userCreate = COMMANDS.find((c) => c.name === 'user:create')!;
    expect(stringOptions(parseCommandLine(userCreate, ['alice', '--tenant', 't1:read', '--tenant', 't2:write']), 'tenant')).toEqual(['t1:read', 't2:write']);
  });
});

describe('ProgressOutput off a terminal', () => {
  it('writes plain lines at the first step, every tenth and the end, problem lines as they come', () => {
    let text = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const output = new ProgressOutput(stream);
    const progress = output.start('importing devices', 20);
    for (let i = 0; i < 20; i++) {
      if (i === 5) output.log('warning: something');
      progress.advance(1);
    }
    progress.finish();
    const lines = text.trim().split('\n').map((line) => line.replace(/, \d+\/s\)$/, ')'));
    expect(lines).toEqual([
      'importing devices: 1/20 (5%)',
      'importing devices: 2/20 (10%)',
      'importing devices: 4/20 (20%)',
      'warning: something',
      ...[6, 8, 10, 12, 14, 16, 18].map((n) => `importing devices: ${n}/20 (${n * 5}%)`),
      'importing devices: 20/20 (100%)',
    ]);
  });
});
