import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { Database, Queryable } from '../database.service';

export type NotificationHandler = (payload: string) => void;
/** Told when the listening connection goes down (false) and when it is back and listening again (true). */
export type ConnectionListener = (connected: boolean) => void;

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * PostgreSQL LISTEN/NOTIFY between the instances of the service. One dedicated connection (outside the
 * pool: a pooled connection would lose its LISTENs when returned) listens on every channel somebody
 * subscribed to, and reconnects with back-off when it is lost. `connected` says whether notifications
 * are arriving now; whoever keeps a cache must treat "not connected" as "may have missed a change".
 */
@Injectable()
export class PgNotifications implements OnModuleDestroy {
  private readonly logger = new Logger('PgNotifications');
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private isConnected = false;

  constructor(private readonly db: Database) {}

  /** Whether the listening connection is up (false before the first subscription). */
  get connected(): boolean {
    return this.isConnected;
  }

  /** The listening connection's backend pid (to find it in pg_stat_activity). */
  get backendPid(): number | undefined {
    return this.isConnected ? (this.client as unknown as { processID?: number }).processID : undefined;
  }

  /**
   * Sends `payload` to every listener of `channel` on every instance. Given the connection of an open
   * transaction, the notification goes out only if and when that transaction commits.
   */
  async notify(channel: string, payload: string, via: Queryable = this.db): Promise<void> {
    await via.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Several payloads on one channel in one statement (in this order). */
  async notifyAll(channel: string, payloads: string[], via: Queryable = this.db): Promise<void> {
    if (payloads.length === 0) return;
    await via.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS n(p, i) ORDER BY i', [channel, payloads]);
  }

  /** Calls `handler` with every payload sent to `channel`; resolves once listening (or retrying). Returns the unsubscribe. */
  async subscribe(channel: string, handler: NotificationHandler): Promise<() => void> {
    let handlers = this.handlers.get(channel);
    const isNew = handlers === undefined;
    if (!handlers) this.handlers.set(channel, (handlers = new Set()));
    handlers.add(handler);
    if (this.client && this.isConnected && isNew) await this.client.query(`LISTEN ${quoteIdentifier(channel)}`);
    else if (!this.client && !this.closed) await this.connect();
    return () => handlers.delete(handler);
  }

  onConnectionChange(listener: ConnectionListener): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.setConnected(false);
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new Client({ ...this.db.connectionConfig(), application_name: 'device-registry notifications' });
    this.client = client;
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload ?? '');
        } catch (error) {
          this.logger.error(`a ${message.channel} notification handler failed: ${(error as Error).message}`);
        }
      }
    });
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.client !== client) return;
    this.retryMs = FIRST_RETRY_MS;
    this.setConnected(true);
  }

  private lost(client: Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.setConnected(false);
    if (this.closed) return;
    this.logger.warn(`notification connection lost (${error.message}); retrying in ${this.retryMs} ms`);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private setConnected(connected: boolean): void {
    if (this.isConnected === connected) return;
    this.isConnected = connected;
    for (const listener of this.connectionListeners) listener(connected);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
