import { Client } from 'pg';

/**
 * At start the database may still be coming up (compose, a restarting server): try until `seconds`
 * have passed, then give up with the last reason.
 */
export async function waitForDatabase(url: string, seconds: number, onRetry?: (reason: string) => void): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      const reason = (error as Error).message || String(error);
      if (Date.now() >= deadline) throw new Error(`database not reachable after ${seconds}s: ${reason}`, { cause: error });
      onRetry?.(reason);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
