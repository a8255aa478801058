import { randomUUID } from 'node:crypto';
import rhea from 'rhea';
import type { Connection, EventContext, Message, Receiver, Sender } from 'rhea';

/**
 * A client that talks to the registry as Hono's ProtonBased*Client does: SASL PLAIN, a receiver on
 * `${endpoint}[/${tenant}]/${uuid}` opened first, then a sender to `${endpoint}[/${tenant}]`, both
 * at-least-once; string message-ids, JSON bodies in a Data section, the answer matched by correlation-id.
 */
export interface HonoResponse {
  status: number;
  /** The parsed JSON body, when there is one. */
  body: any;
  properties: Record<string, unknown>;
  message: Message;
}

/** A delivery the registry refused, instead of answering it. */
export interface Rejection {
  rejected: { condition: string; description?: string };
}

export interface RequestOptions {
  subject?: string | null;
  properties?: Record<string, unknown>;
  /** An object goes as JSON in a Data section; a Buffer as raw bytes in one. */
  body?: unknown;
  messageId?: string | null;
  replyTo?: string | null;
}

/** The error condition a link or connection was closed with. */
export class AmqpLinkError extends Error {
  constructor(readonly condition: string, description: string) {
    super(`${condition}: ${description}`);
  }
}

const REQUEST_TIMEOUT_MS = 5_000;

/**
 * A link the registry refuses is attached without an address and detached at once with the error: wait
 * for the detach to learn the condition (Hono's client treats the missing address as a failure too).
 */
function refused<T>(link: { once(event: string, listener: (context: EventContext) => void): unknown }, what: 'sender' | 'receiver'): Promise<T> {
  return new Promise((_resolve, reject) => {
    const timer = setTimeout(() => reject(new AmqpLinkError('no-address', 'the address was not echoed and the link stayed open')), 1_000);
    link.once(`${what}_close`, (context) => {
      clearTimeout(timer);
      reject(errorOf(context, what));
    });
  });
}

function errorOf(context: EventContext, what: 'sender' | 'receiver' | 'connection'): AmqpLinkError {
  const error = (context[what] as { error?: { condition?: string; description?: string } } | undefined)?.error;
  return new AmqpLinkError(error?.condition ?? 'closed', error?.description ?? '');
}

export class RequestLink {
  private readonly pending = new Map<string, (response: HonoResponse) => void>();
  private readonly rejections = new Map<unknown, (rejection: Rejection) => void>();

  constructor(
    readonly sender: Sender,
    readonly receiver: Receiver,
    readonly replyTo: string,
  ) {
    sender.on('rejected', (context) => {
      const error = (context.delivery as unknown as { remote_state?: { error?: { condition: string; description?: string } } }).remote_state?.error;
      this.rejections.get(context.delivery)?.({ rejected: { condition: error?.condition ?? '', description: error?.description } });
    });
    sender.on('accepted', (context) => this.rejections.delete(context.delivery));
    receiver.on('message', (context) => {
      const message = context.message!;
      const resolve = this.pending.get(String(message.correlation_id));
      if (!resolve) return;
      this.pending.delete(String(message.correlation_id));
      const section = message.body as { content?: Buffer } | undefined;
      const text = section?.content?.toString('utf8');
      resolve({
        status: message.application_properties?.status as number,
        body: text === undefined || text === '' ? undefined : message.content_type === 'application/json' ? JSON.parse(text) : text,
        properties: (message.application_properties ?? {}) as Record<string, unknown>,
        message,
      });
    });
  }

  /** Sends one request; resolves with the answer, or with the rejection of the delivery. */
  request(options: RequestOptions): Promise<HonoResponse | Rejection> {
    const messageId = options.messageId === undefined ? randomUUID() : options.messageId;
    const message: Message = { body: undefined } as Message;
    if (messageId !== null) message.message_id = messageId;
    if (options.subject !== null) message.subject = options.subject;
    const replyTo = options.replyTo === undefined ? this.replyTo : options.replyTo;
    if (replyTo !== null) message.reply_to = replyTo;
    if (options.properties) message.application_properties = options.properties;
    if (options.body !== undefined) {
      message.content_type = 'application/json';
      const bytes = Buffer.isBuffer(options.body) ? options.body : Buffer.from(JSON.stringify(options.body));
      message.body = rhea.message.data_section(bytes);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${options.subject} within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
      const done = (value: HonoResponse | Rejection) => {
        clearTimeout(timer);
        resolve(value);
      };
      if (messageId !== null) this.pending.set(messageId, done);
      const delivery = this.sender.send(message);
      this.rejections.set(delivery, (rejection) => {
        this.rejections.delete(delivery);
        if (messageId !== null) this.pending.delete(messageId);
        done(rejection);
      });
    });
  }

  close(): void {
    this.sender.close();
    this.receiver.close();
  }
}

export class HonoAmqpClient {
  private constructor(readonly connection: Connection) {}

  /** Connects and logs in with SASL PLAIN; rejects when the registry refuses the login. */
  static connect(port: number, username: string | undefined, password: string | undefined, options: Record<string, unknown> = {}): Promise<HonoAmqpClient> {
    const container = rhea.create_container();
    const connection = container.connect({ host: '127.0.0.1', port, username, password, reconnect: false, tcp_no_delay: true, ...options } as never);
    return new Promise((resolve, reject) => {
      connection.once('connection_open', () => resolve(new HonoAmqpClient(connection)));
      connection.once('connection_error', (context) => reject(errorOf(context, 'connection')));
      connection.once('disconnected', (context) => reject(new AmqpLinkError('disconnected', String((context as { error?: Error }).error?.message ?? ''))));
    });
  }

  /** Receiver first (replies), then the sender; resolves when both are attached with the addresses echoed. */
  async requestLink(endpoint: string, tenantId?: string): Promise<RequestLink> {
    const target = tenantId === undefined ? endpoint : `${endpoint}/${tenantId}`;
    const replyTo = `${target}/${randomUUID()}`;
    const receiver = await this.openReceiver(replyTo);
    const sender = await this.openSender(target);
    return new RequestLink(sender, receiver, replyTo);
  }

  openReceiver(address: string, options: Record<string, unknown> = {}): Promise<Receiver> {
    const receiver = this.connection.open_receiver({ source: { address }, credit_window: 200, autoaccept: true, rcv_settle_mode: 0, ...options });
    receiver.on('receiver_error', () => undefined);
    return new Promise((resolve, reject) => {
      receiver.once('receiver_open', () => {
        if (receiver.source?.address !== address) refused<Receiver>(receiver, 'receiver').catch(reject);
        else resolve(receiver);
      });
    });
  }

  openSender(address: string | undefined, options: Record<string, unknown> = {}): Promise<Sender> {
    const sender = this.connection.open_sender({ target: { address }, snd_settle_mode: 0, rcv_settle_mode: 0, autosettle: true, ...options });
    sender.on('sender_error', () => undefined);
    return new Promise((resolve, reject) => {
      sender.once('sender_open', () => {
        // an anonymous sender has no address to echo: it is refused when a detach follows
        if (address === undefined) refused<Sender>(sender, 'sender').catch((error: AmqpLinkError) => (error.condition === 'no-address' ? resolve(sender) : reject(error)));
        else if (sender.target?.address !== address) refused<Sender>(sender, 'sender').catch(reject);
        else resolve(sender);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.connection.is_closed()) return resolve();
      this.connection.once('connection_close', () => resolve());
      this.connection.once('disconnected', () => resolve());
      this.connection.close();
    });
  }
}

export const isRejection = (outcome: HonoResponse | Rejection): outcome is Rejection => 'rejected' in outcome;

/** The answer, failing the test when the delivery was rejected instead. */
export async function answer(link: RequestLink, options: RequestOptions): Promise<HonoResponse> {
  const outcome = await link.request(options);
  if (isRejection(outcome)) throw new Error(`rejected: ${JSON.stringify(outcome.rejected)}`);
  return outcome;
}
