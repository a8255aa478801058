import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../../../apps/registry/src/database/data-source';
import { connect, createTestDatabase } from '../../../../test/setup/test-database';
import { Database } from '../database.service';
import { PgNotifications } from './pg-notifications';

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** Two instances of the service on one database: each hears the other's notifications, also after losing its connection. */
describe('PgNotifications between two instances', () => {
  let url: string;
  const sources: DataSource[] = [];
  let a: PgNotifications;
  let b: PgNotifications;

  beforeAll(async () => {
    url = await createTestDatabase();
    for (let i = 0; i < 2; i++) sources.push(await new DataSource({ ...dataSourceOptions(url), extra: { max: 2 } }).initialize());
    a = new PgNotifications(new Database(sources[0]));
    b = new PgNotifications(new Database(sources[1]));
  });
  afterAll(async () => {
    await a.onModuleDestroy();
    await b.onModuleDestroy();
    for (const source of sources) await source.destroy();
  });

  it('delivers a notify of one instance to the subscribers of both, in order', async () => {
    const heardA: string[] = [];
    const heardB: string[] = [];
    await a.subscribe('test_channel', (payload) => heardA.push(payload));
    await b.subscribe('test_channel', (payload) => heardB.push(payload));
    expect(a.connected && b.connected).toBe(true);
    await a.notify('test_channel', 'one');
    await b.notifyAll('test_channel', ['two', 'three']);
    await until(() => heardA.length === 3 && heardB.length === 3);
    expect(heardA).toEqual(['one', 'two', 'three']);
    expect(heardB).toEqual(['one', 'two', 'three']);
  });

  it('sends a notify made inside a transaction only when it commits', async () => {
    const heard: string[] = [];
    await b.subscribe('tx_channel', (payload) => heard.push(payload));
    const db = new Database(sources[0]);
    await db.transaction(async (tx) => {
      await a.notify('tx_channel', 'rolled back', tx);
      throw new Error('abort');
    }).catch(() => undefined);
    await db.transaction((tx) => a.notify('tx_channel', 'committed', tx));
    await until(() => heard.length === 1);
    await sleep(100);
    expect(heard).toEqual(['committed']);
  });

  it('reconnects with back-off after its listening connection is killed, says so, and listens again', async () => {
    const heard: string[] = [];
    const changes: boolean[] = [];
    await b.subscribe('test_channel', (payload) => heard.push(payload));
    b.onConnectionChange((connected) => changes.push(connected));
    const pid = b.backendPid;
    expect(pid).toBeDefined();
    const killer = await connect(url);
    try {
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await killer.end();
    }
    await until(() => changes.length === 2);
    expect(changes).toEqual([false, true]);
    expect(b.connected).toBe(true);
    expect(b.backendPid).not.toBe(pid);
    await a.notify('test_channel', 'after the reconnect');
    await until(() => heard.includes('after the reconnect'));
  });
});
