import type { Principal } from '@app/auth';
import type { Connection, Message, Sender } from 'rhea';
import type { Login } from './connection-rights';

/** One AMQP connection of a protocol adapter: who it is, and the links it receives on. */
export class AdapterConnection {
  principal: Principal | undefined;
  /** How it logged in, to look its rights up again when they change. */
  login: Login | undefined;
  /** While its rights are being looked up again, requests wait for the answer. */
  revalidating: Promise<void> | undefined;
  connection: Connection | undefined;
  /** Reply links by their source address (the `reply-to` of requests). */
  readonly replyLinks = new Map<string, ReplyLink>();
  /** Links subscribed to notification addresses. */
  readonly subscriptions = new Set<ReplyLink>();

  constructor(readonly address: string) {}
}

/** A subscriber that gives no credit does not make the registry hold its notifications without end. */
const MAX_WAITING = 10_000;

/**
 * A link we send on. Messages wait here while the peer has given no credit (Hono's client gives 200
 * and replenishes), so a burst never overruns its window; past MAX_WAITING the oldest are dropped.
 */
export class ReplyLink {
  private readonly waiting: Message[] = [];

  constructor(
    readonly sender: Sender,
    readonly address: string,
  ) {}

  send(message: Message): void {
    if (this.waiting.length === 0 && this.sender.sendable()) {
      this.sender.send(message);
      return;
    }
    if (this.waiting.length >= MAX_WAITING) this.waiting.shift();
    this.waiting.push(message);
  }

  /** The peer gave credit: send what waited. */
  flush(): void {
    while (this.waiting.length > 0 && this.sender.sendable()) this.sender.send(this.waiting.shift()!);
  }
}
