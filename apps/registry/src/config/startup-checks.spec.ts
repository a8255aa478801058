import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';
import { checkHost, databaseUnreachable, listenFailure, prepareDataDir, StartupError, waitingForDatabase } from './startup-checks';

const errno = (code: string, message: string) => Object.assign(new Error(message), { code, syscall: 'listen' });

describe('start-up checks: one line naming the variable or path', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'startup-checks-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an unknown HOST', async () => {
    const error = await checkHost('no-such-host.invalid').catch((e: Error) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(/^HOST "no-such-host\.invalid" is not a known host name or address \(ENOTFOUND: /);
    await expect(checkHost('127.0.0.1')).resolves.toBeUndefined();
  });

  it('a DATA_DIR that cannot be created names DATA_DIR and the path', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const error = await prepareDataDir(join(file, 'data')).catch((e: Error) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(new RegExp(`^DATA_DIR ${join(file, 'data')} is not a writable directory \\(ENOTDIR: `));
    expect((error as Error).message).not.toContain('\n');
  });

  it('a new DATA_DIR is created private (mode 700)', async () => {
    await prepareDataDir(join(dir, 'fresh', 'data'));
    expect(statSync(join(dir, 'fresh', 'data')).mode & 0o777).toBe(0o700);
  });

  it('an unreachable DATABASE_URL: the reason, and the URL without its password, while waiting and at the end', () => {
    const url = 'postgres://registry:hunter2@127.0.0.1:5999/registry';
    expect(waitingForDatabase(url, 'connect ECONNREFUSED 127.0.0.1:5999')).toBe('waiting for postgres://registry:***@127.0.0.1:5999/registry: connect ECONNREFUSED 127.0.0.1:5999');
    const error = databaseUnreachable(new Error('database not reachable after 2s: connect ECONNREFUSED 127.0.0.1:5999'), url);
    expect(error).toBeInstanceOf(StartupError);
    expect(error.message).toBe('database not reachable after 2s: connect ECONNREFUSED 127.0.0.1:5999 (DATABASE_URL=postgres://registry:***@127.0.0.1:5999/registry)');
  });

  it.each([
    ['EADDRINUSE', /^PORT 8080 is already in use on HOST 0\.0\.0\.0/],
    ['EACCES', /^PORT 8080 needs privileges/],
    ['EADDRNOTAVAIL', /^HOST 0\.0\.0\.0 is not an address of this machine/],
    ['ENOTFOUND', /^cannot listen on 0\.0\.0\.0:8080 \(PORT, HOST\): ENOTFOUND/],
  ])('listen failing with %s', (code, message) => {
    const error = listenFailure(errno(code, `listen ${code} 0.0.0.0:8080`), loadConfig({}, '/', false));
    expect(error).toBeInstanceOf(StartupError);
    expect(error.message).toMatch(message);
  });
});

describe('LOG_FORMAT', () => {
  it('is pretty on a terminal and JSON otherwise, unless set', () => {
    expect(loadConfig({}, '/', true).logFormat).toBe('pretty');
    expect(loadConfig({}, '/', false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, '/', true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, '/', false).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' }, '/', false)).toThrow('LOG_FORMAT must be pretty or json, got "xml"');
  });
});
