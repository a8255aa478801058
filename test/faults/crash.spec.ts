/**
 * Crash safety: `kill -9` of the service under a stream of device creates loses no
 * acknowledged write. The service is the built server as a real process with its embedded PostgreSQL
 * under its own DATA_DIR; after the kill it is started again on the same DATA_DIR and every create
 * that got a 201 must be there.
 */
import { basicAuthorization, cleanUp, ensureBuilt, startEmbeddedServer, tempDir } from '../lifecycle/server-process';

jest.setTimeout(120_000);

const ADMIN = { username: 'crash-admin', password: 'crash-password-1' };
const HEADERS = {
  authorization: basicAuthorization(ADMIN),
  'content-type': 'application/json',
};
const TENANT = 'crash-tenant';
const CLIENTS = 6;

beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => cleanUp());

const start = (dataDir: string) => startEmbeddedServer(dataDir, ADMIN, { LOG_LEVEL: 'warn' }, 60_000);

it('kill -9 under a stream of creates: every create that got a 201 is there after the restart', async () => {
  const dataDir = tempDir('registry-crash-');
  const first = await start(dataDir);
  const created = await fetch(`${first.baseUrl}/v1/tenants/${TENANT}`, { method: 'POST', headers: HEADERS, body: '{}' });
  expect(created.status).toBe(201);

  const acknowledged: string[] = [];
  const outcomes: Record<string, number> = {};
  let killed = false;
  const client = async (c: number) => {
    for (let n = 0; !killed || n === 0; n++) {
      const id = `device-${c}-${n}`;
      try {
        const response = await fetch(`${first.baseUrl}/v1/devices/${TENANT}/${id}`, {
          method: 'POST',
          headers: HEADERS,
          body: JSON.stringify({ ext: { client: c, n } }),
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        outcomes[response.status] = (outcomes[response.status] ?? 0) + 1;
        if (response.status === 201) acknowledged.push(id);
        else expect(response.status).toBe(201);
      } catch {
        outcomes.error = (outcomes.error ?? 0) + 1; // the connection died with the process
        if (killed) return;
      }
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
  // let the stream run, then kill the service in the middle of it
  while (acknowledged.length < 300) await new Promise((resolve) => setTimeout(resolve, 20));
  first.child.kill('SIGKILL');
  killed = true;
  expect(await first.waitForExit(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
  await Promise.all(clients);
  expect(acknowledged.length).toBeGreaterThanOrEqual(300);

  const second = await start(dataDir);
  const missing: string[] = [];
  for (let i = 0; i < acknowledged.length; i += 32) {
    const statuses = await Promise.all(
      acknowledged.slice(i, i + 32).map(async (id) => {
        const response = await fetch(`${second.baseUrl}/v1/devices/${TENANT}/${id}`, { headers: HEADERS, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        return [id, response.status] as const;
      }),
    );
    for (const [id, status] of statuses) if (status !== 200) missing.push(`${id}: ${status}`);
  }
  expect(missing).toEqual([]);
  // the tenant's device count agrees with what is stored
  const tenant = await fetch(`${second.baseUrl}/v1/devices/${TENANT}?pageSize=1`, { headers: HEADERS });
  expect(tenant.status).toBe(200);
  const { total } = (await tenant.json()) as { total: number };
  expect(total).toBeGreaterThanOrEqual(acknowledged.length);

  second.child.kill('SIGTERM');
  expect(await second.waitForExit(20_000)).toEqual({ code: 0, signal: null });
});
