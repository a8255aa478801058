import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { createLogger, NestPinoLogger, redactUrl } from './logging';

/** The lines a logger at `level` writes, parsed. */
function capture(level = 'trace') {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: createLogger(level, stream) };
}

describe('NestPinoLogger', () => {
  it('writes Nest log calls as JSON lines with their context, fields and level', () => {
    const { lines, logger } = capture();
    const nest = new NestPinoLogger(logger);
    nest.log('started', 'Bootstrap');
    nest.warn({ reqId: 'r-1', err: { message: 'gone', code: 'ECONNREFUSED' } }, 'database unavailable', 'Errors');
    nest.error(new Error('boom'), undefined, 'Errors');
    nest.error('handler failed', 'Error: x\n    at y (file.js:1:1)', 'ExceptionsHandler');
    nest.debug('no context');
    expect(lines.map(({ level, msg, context }) => ({ level, msg, context }))).toEqual([
      { level: 30, msg: 'started', context: 'Bootstrap' },
      { level: 40, msg: 'database unavailable', context: 'Errors' },
      { level: 50, msg: 'boom', context: 'Errors' },
      { level: 50, msg: 'handler failed', context: 'ExceptionsHandler' },
      { level: 20, msg: 'no context', context: undefined },
    ]);
    expect(lines[1]).toMatchObject({ reqId: 'r-1', err: { message: 'gone', code: 'ECONNREFUSED' } });
    expect(lines[2].err).toMatchObject({ type: 'Error', message: 'boom', stack: expect.stringContaining('Error: boom') });
    expect(lines[3].err.stack).toContain('at y');
  });

  it('is what `new Logger(context)` of @nestjs/common writes through, below the level nothing', () => {
    const { lines, logger } = capture('warn');
    Logger.overrideLogger(new NestPinoLogger(logger));
    const scoped = new Logger('Peering');
    scoped.log('not written at warn');
    scoped.warn({ peer: 'p-1' }, 'peer unreachable');
    scoped.error({ reqId: 'r-2' }, 'request failed');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'peer unreachable', context: 'Peering', peer: 'p-1' }),
      expect.objectContaining({ level: 50, msg: 'request failed', context: 'Peering', reqId: 'r-2' }),
    ]);
  });

  it('censors secret-named fields and headers', () => {
    const { lines, logger } = capture();
    new NestPinoLogger(logger).log({ call: { password: 'p4ss', token: 't0k', headers: { authorization: 'Basic x' } } }, 'x', 'Test');
    expect(JSON.stringify(lines[0])).not.toMatch(/p4ss|t0k|Basic x/);
  });
});

describe('redactUrl', () => {
  it('keeps the names of query parameters, never their values', () => {
    expect(redactUrl('/api/me?username=a&password=s3cret&x=1')).toBe('/api/me?username&password&x');
    expect(redactUrl('/v1/devices/t?filterJson=%7B%7D&pageSize=10')).toBe('/v1/devices/t?filterJson&pageSize');
  });

  it('decodes names and the path the way the router and authentication read them', () => {
    expect(redactUrl('/api/me?user%6Eame=admin&pass%77ord=s3cret')).toBe('/api/me?username&password');
    expect(redactUrl('/api/me?password[]=s3cret&password[a]=s3cret&access_token=t0k&pass+word=x&%ZZ=y')).toBe(
      '/api/me?password[]&password[a]&access_token&pass word&%ZZ',
    );
    expect(redactUrl('/v1/tenants/%74%31')).toBe('/v1/tenants/t1');
  });

  it('hides the token in /api/token/<token>, however the path is spelled', () => {
    expect(redactUrl('/api/token/0123abcd?token=zz')).toBe('/api/token/***?token');
    expect(redactUrl('/api/%74oken/0123abcd')).toBe('/api/token/***');
    expect(redactUrl('/api/token/%30123abcd/')).toBe('/api/token/***/');
    expect(redactUrl('http://x/api/token/0123abcd')).toBe('/api/token/***');
    expect(redactUrl('HTTP://x:8080/api/token/0123abcd?password=p')).toBe('/api/token/***?password');
  });
});

describe('the console', () => {
  it("puts Nest's start-up chatter (routes mapped, modules loaded) at debug", () => {
    const { lines, logger } = capture('info');
    const nest = new NestPinoLogger(logger);
    nest.log('Mapped {/v1/tenants, GET} route', 'RouterExplorer');
    nest.log('TenantsController {/v1/tenants}:', 'RoutesResolver');
    nest.log('AuthModule dependencies initialized', 'InstanceLoader');
    nest.log('Nest application successfully started', 'NestApplication');
    nest.log('created admin user admin', 'Users');
    expect(lines.map((line) => line.msg)).toEqual(['created admin user admin']);
  });

  it('LOG_FORMAT=pretty writes one readable line per request', () => {
    const written: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        written.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', stream, 'pretty');
    logger.info({ req: { id: 'r-1', method: 'GET', url: '/health' }, res: { statusCode: 200 }, responseTime: 3 }, 'request completed');
    const text = written.join('');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.?\d*\] INFO: GET \/health → 200 in 3 ms {2}\(r-1\)\n$/);
    expect(() => JSON.parse(text)).toThrow();
  });
});
