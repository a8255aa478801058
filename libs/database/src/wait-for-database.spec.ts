import { createServer } from 'node:net';
import { waitForDatabase } from './wait-for-database';

/** A port on this machine that nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('waitForDatabase', () => {
  it('returns at once when the database answers', async () => {
    const retries: string[] = [];
    const started = Date.now();
    await waitForDatabase(process.env.TEST_SERVER_URL!, 5, (reason) => retries.push(reason));
    expect(retries).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('tries again each second until the time is up, then fails with the last reason', async () => {
    const url = `postgres://registry:hunter2@127.0.0.1:${await closedPort()}/registry`;
    const retries: string[] = [];
    const started = Date.now();
    const error = await waitForDatabase(url, 2, (reason) => retries.push(reason)).catch((e: Error) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries.every((reason) => /ECONNREFUSED/.test(reason))).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^database not reachable after 2s: .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
