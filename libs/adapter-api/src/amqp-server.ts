import { AUTH_CHANGES_CHANNEL, Authenticator, Principal } from '@app/auth';
import { REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { PgNotifications, RegistryEvent, RegistryEvents } from '@app/database';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import rhea from 'rhea';
import type { Connection, EventContext, Message, Receiver, Sender } from 'rhea';
import { AdapterConnection, ReplyLink } from './adapter-connection';
import { ConnectionRights, Login } from './connection-rights';
import { CredentialsApi } from './credentials-api';
import { ApiRequest, ApiResult, bodyOf, failure, formalProblem, notificationMessage, responseMessage } from './hono-messages';
import { RegistrationApi } from './registration-api';
import { saslMechanisms, Verified } from './sasl-mechanisms';
import { TenantApi } from './tenant-api';

/**
 * Credit each request link gets, and keeps (Hono's server grants 100): topped up once a quarter is used,
 * as rhea's own credit window does, rather than with a flow frame for every request.
 */
const CREDIT = 100;
const CREDIT_REFILL = CREDIT / 4;
/** How long SIGTERM waits for requests being answered before the connections are closed. */
const DRAIN_MS = 10_000;

const TENANT_NOTIFICATIONS = 'notification/registry-tenant';
const DEVICE_NOTIFICATIONS = 'notification/registry-device';
const ENDPOINTS = ['tenant', 'registration', 'credentials'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

/** Why a link is refused: an AMQP error condition and a description. */
class LinkRefused extends Error {
  constructor(
    readonly condition: string,
    description: string,
  ) {
    super(description);
  }
}

/** A start-up failure of an AMQP listener, in one line naming the variable. */
export class AmqpListenError extends Error {}

/** `tenant`, `registration/t`, `credentials/t` (request targets), optionally with one more segment (reply sources). */
function parseAddress(address: unknown, withReplySegment: boolean): { endpoint: Endpoint; tenantId: string | undefined } {
  if (typeof address !== 'string' || address === '') throw new LinkRefused('amqp:not-allowed', 'anonymous links are not supported');
  const segments = address.split('/');
  const endpoint = segments[0] as Endpoint;
  if (!ENDPOINTS.includes(endpoint)) throw new LinkRefused('amqp:not-found', `no endpoint at ${address}`);
  const scoped = endpoint !== 'tenant';
  const expected = (scoped ? 2 : 1) + (withReplySegment ? 1 : 0);
  if (segments.length !== expected || segments.some((segment) => segment === '')) throw new LinkRefused('amqp:not-found', `no endpoint at ${address}`);
  return { endpoint, tenantId: scoped ? segments[1] : undefined };
}

/** The tenant a link's address names (`registration/t`, `credentials/t/id`), if any. */
function tenantOfLink(link: Sender | Receiver): string | undefined {
  const address = link.is_receiver() ? link.target?.address : link.source?.address;
  if (address === TENANT_NOTIFICATIONS || address === DEVICE_NOTIFICATIONS) return undefined;
  try {
    return parseAddress(address, !link.is_receiver()).tenantId;
  } catch {
    return undefined;
  }
}

/** `{"users": [id…]}`, `{"tokens": [id…]}` of the auth_changes channel; undefined when unreadable. */
function authChange(payload: string): { users: string[]; tokens: string[] } | undefined {
  try {
    const change = JSON.parse(payload) as { users?: unknown; tokens?: unknown };
    const ids = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
    return { users: ids(change.users), tokens: ids(change.tokens) };
  } catch {
    return undefined;
  }
}

const UNAUTHORIZED = 'amqp:unauthorized-access';

/**
 * rhea writes every frame with its own `socket.write` (a system call each): the disposition, the flow and
 * the reply of a request, and the replies of the requests answered in the same turn of the event loop.
 * Held (corked) until the end of the turn, they leave in one `writev`.
 */
function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let held = false;
  const release = () => {
    held = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]) => {
    if (!held) {
      held = true;
      socket.cork();
      setImmediate(release);
    }
    return write(...args);
  }) as typeof socket.write;
}

function eventAddress(event: RegistryEvent): string {
  return event.type === 'tenant-change-v1' ? TENANT_NOTIFICATIONS : DEVICE_NOTIFICATIONS;
}

/**
 * Hono's adapter-facing registry APIs over AMQP 1.0 (docs/hono-adapters.md): Tenant, Device Registration and
 * Credentials, request/response as Hono's ProtonBased*Client expects, plus the registry's change
 * notifications. Listens with the HTTP server and closes gracefully before the database pool does.
 */
@Injectable()
export class AmqpServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AmqpServer');
  private readonly container = rhea.create_container({ id: 'device-registry' });
  private readonly servers: Server[] = [];
  private readonly connections = new Set<AdapterConnection>();
  private readonly sockets = new Set<Socket>();
  private readonly unsubscribe: Array<() => void> = [];
  private inFlight = 0;
  /** Counts the auth changes seen: a login whose check overlapped one is checked again before it completes. */
  private authChanges = 0;
  private drained: (() => void) | undefined;
  private closing = false;

  constructor(
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    private readonly authenticator: Authenticator,
    private readonly events: RegistryEvents,
    private readonly tenantApi: TenantApi,
    private readonly registrationApi: RegistrationApi,
    private readonly credentialsApi: CredentialsApi,
    private readonly rights: ConnectionRights,
    private readonly notifications: PgNotifications,
  ) {}

  /** The ports listened on (plain, then TLS), for tests and start-up messages. */
  get ports(): number[] {
    return this.servers.map((server) => (server.address() as { port: number }).port);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, tlsPort, tlsKey, tlsCert } = this.config.amqp;
    if (port > 0) await this.listen(createServer((socket) => this.accept(socket)), port, 'AMQP_PORT');
    if (tlsPort > 0 && tlsKey !== undefined && tlsCert !== undefined) {
      let key: Buffer, cert: Buffer;
      try {
        key = readFileSync(tlsKey);
        cert = readFileSync(tlsCert);
      } catch (error) {
        throw new AmqpListenError(`cannot read AMQP_TLS_KEY / AMQP_TLS_CERT: ${(error as Error).message}`);
      }
      // client certificates (SASL EXTERNAL) are trusted when issued by a CA of the configured chain
      const server = createTlsServer({ key, cert, ca: cert, requestCert: true, rejectUnauthorized: false }, (socket) => this.accept(socket));
      await this.listen(server, tlsPort, 'AMQPS_PORT');
    }
    if (this.servers.length === 0) return;
    this.unsubscribe.push(await this.events.subscribe((event) => this.notify(event)));
    // open connections follow revocations made on any instance; after an outage of the listening
    // connection (when one may have been missed) every connection's rights are looked up again
    this.unsubscribe.push(await this.notifications.subscribe(AUTH_CHANGES_CHANNEL, (payload) => this.authChanged(payload)));
    this.unsubscribe.push(
      this.notifications.onConnectionChange((connected) => {
        if (!connected) return;
        this.authChanges++;
        this.revalidate(() => true);
      }),
    );
  }

  /** SIGTERM: no new connections or links, requests being served are answered, then the connections close. */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        setTimeout(resolve, DRAIN_MS).unref();
      });
    }
    for (const state of this.connections) state.connection?.close();
    // give the close frames a moment, then make sure nothing keeps the process alive
    await new Promise((resolve) => setTimeout(resolve, this.connections.size > 0 ? 100 : 0));
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(closed);
  }

  private listen(server: Server, port: number, variable: string): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'EADDRINUSE' ? `port ${port} is already in use` : error.message;
        reject(new AmqpListenError(`cannot listen for AMQP on ${this.config.host}:${port} (${variable}): ${why}; set ${variable}=0 to turn it off`));
      });
      server.listen({ port, host: this.config.host }, () => {
        this.servers.push(server);
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    coalesceWrites(socket);
    const state = new AdapterConnection(socket.remoteAddress ?? 'unknown');
    const tls = socket as TLSSocket;
    // a view of the container with this connection's own SASL mechanisms (they record who logged in)
    const container = Object.create(this.container, {
      sasl_server_mechanisms: {
        value: saslMechanisms(
          state,
          tls,
          async (username, password, address) => {
            const seen = this.authChanges;
            const principal = await this.authenticator.authenticatePassword(username, password, address);
            return principal && this.verified(principal, await this.rights.plainLogin(principal, password), seen);
          },
          async (username) => {
            const seen = this.authChanges;
            const principal = await this.authenticator.authenticateUser(username);
            return principal && this.verified(principal, this.rights.externalLogin(principal), seen);
          },
        ),
      },
    }) as typeof this.container;
    const connection = container.create_connection({ autoaccept: false, credit_window: 0, require_sasl: true, tcp_no_delay: true } as never) as Connection;
    state.connection = connection;
    this.connections.add(state);
    connection.on('receiver_open', (context) => this.openRequestLink(state, context.receiver!));
    connection.on('sender_open', (context) => this.openSendingLink(state, context.sender!));
    connection.on('message', (context) => this.onRequest(state, context));
    connection.on('sendable', (context) => this.linkOf(state, context.sender!)?.flush());
    connection.on('sender_close', (context) => this.forgetLink(state, context.sender!));
    connection.on('receiver_close', () => undefined);
    connection.on('connection_error', () => undefined);
    connection.on('protocol_error', () => undefined);
    connection.on('error', () => undefined);
    connection.on('disconnected', () => this.connections.delete(state));
    connection.on('connection_close', () => this.connections.delete(state));
    (connection as unknown as { accept(socket: Socket): void }).accept(socket);
  }

  /** A link the peer sends requests on: to `tenant`, `registration/t` or `credentials/t`. */
  private openRequestLink(state: AdapterConnection, receiver: Receiver): void {
    const address = receiver.target?.address;
    try {
      if (this.closing) throw new LinkRefused('amqp:connection:forced', 'the registry is shutting down');
      const { tenantId } = parseAddress(address, false);
      this.authorize(state, tenantId);
      // replies would not be reliable on a link whose requests arrive settled
      if ((receiver as unknown as { snd_settle_mode?: number }).snd_settle_mode === 1) {
        throw new LinkRefused('amqp:precondition-failed', 'request links must not send pre-settled (use at-least-once)');
      }
      receiver.set_target({ address });
      receiver.set_source({ address: receiver.source?.address });
      receiver.add_credit(CREDIT);
    } catch (error) {
      this.refuse(receiver, error);
    }
  }

  /** A link the peer receives on: replies (`${endpoint}[/t]/${id}`) or notifications. */
  private openSendingLink(state: AdapterConnection, sender: Sender): void {
    const address = sender.source?.address;
    try {
      if (this.closing) throw new LinkRefused('amqp:connection:forced', 'the registry is shutting down');
      const isNotification = address === TENANT_NOTIFICATIONS || address === DEVICE_NOTIFICATIONS;
      if (isNotification) this.authorize(state, undefined);
      else this.authorize(state, parseAddress(address, true).tenantId);
      if (!isNotification && state.replyLinks.has(address!)) throw new LinkRefused('amqp:illegal-state', `a link on ${address} is already open`);
      sender.set_source({ address });
      sender.set_target({ address: sender.target?.address });
      const link = new ReplyLink(sender, address!);
      if (isNotification) state.subscriptions.add(link);
      else state.replyLinks.set(address!, link);
    } catch (error) {
      this.refuse(sender, error);
    }
  }

  /** A login checked while a revocation arrived (which the connection, not logged in yet, did not follow) is looked up again. */
  private async verified(principal: Principal, login: Login, seen: number): Promise<Verified | undefined> {
    if (this.authChanges === seen) return { principal, login };
    const current = await this.rights.current(principal, login);
    return current && { principal: current, login };
  }

  /** `registry.adapter`, and for a tenant's address read access to that tenant; Hono refuses others as unauthorized. */
  private authorize(state: AdapterConnection, tenantId: string | undefined): void {
    const problem = unauthorized(state.principal, tenantId);
    if (problem) throw new LinkRefused(UNAUTHORIZED, problem);
  }

  private refuse(link: Sender | Receiver, error: unknown): void {
    if (!(error instanceof LinkRefused)) throw error;
    link.close({ condition: error.condition, description: error.message });
  }

  private linkOf(state: AdapterConnection, sender: Sender): ReplyLink | undefined {
    const address = sender.source?.address;
    const reply = address === undefined ? undefined : state.replyLinks.get(address);
    if (reply?.sender === sender) return reply;
    return [...state.subscriptions].find((link) => link.sender === sender);
  }

  private forgetLink(state: AdapterConnection, sender: Sender): void {
    const link = this.linkOf(state, sender);
    if (!link) return;
    if (state.replyLinks.get(link.address) === link) state.replyLinks.delete(link.address);
    state.subscriptions.delete(link);
  }

  /**
   * A request: rejected with `hono:bad-request` when it lacks what a reply needs, else accepted before it
   * is processed; the answer goes to the reply link named by `reply-to` on this connection.
   */
  private onRequest(state: AdapterConnection, context: EventContext): void {
    const { receiver, delivery } = context;
    const message = context.message as Message;
    const used = CREDIT - (receiver as unknown as { credit: number }).credit;
    if (used >= CREDIT_REFILL) receiver!.add_credit(used);
    const problem = formalProblem(message);
    if (problem) {
      delivery!.reject({ condition: 'hono:bad-request', description: problem });
      return;
    }
    delivery!.accept();
    const { endpoint, tenantId } = parseAddress(receiver!.target?.address, false);
    const request: ApiRequest = {
      operation: message.subject!,
      tenantId,
      applicationProperties: (message.application_properties ?? {}) as Record<string, unknown>,
      body: bodyOf(message),
    };
    this.inFlight++;
    this.process(state, endpoint, request)
      .catch((error: Error) => {
        this.logger.error(`${endpoint} ${request.operation} failed: ${error.stack ?? error.message}`);
        return failure(500, 'internal error');
      })
      .then((result) => state.replyLinks.get(message.reply_to!)?.send(responseMessage(message, tenantId, result)))
      .finally(() => {
        if (--this.inFlight === 0) this.drained?.();
      });
  }

  private async process(state: AdapterConnection, endpoint: Endpoint, request: ApiRequest): Promise<ApiResult> {
    // a request that arrives while the connection's rights are being looked up again is served with the new ones
    if (state.revalidating) await state.revalidating;
    const problem = unauthorized(state.principal, request.tenantId);
    if (problem) return failure(403, problem);
    switch (endpoint) {
      case 'tenant':
        return this.tenantApi.handle(state.principal!, request);
      case 'registration':
        return this.registrationApi.handle(request.tenantId!, request);
      case 'credentials':
        return this.credentialsApi.handle(request.tenantId!, request);
    }
  }

  /** A change of users or tokens on any instance: the connections it concerns look their rights up again. */
  private authChanged(payload: string): void {
    this.authChanges++;
    const change = authChange(payload);
    if (!change) return this.revalidate(() => true);
    const users = new Set(change.users);
    const tokens = new Set(change.tokens);
    this.revalidate((principal) => users.has(principal.userId) || (principal.tokenId !== null && tokens.has(principal.tokenId)));
  }

  private revalidate(concerns: (principal: Principal) => boolean): void {
    for (const state of this.connections) {
      if (!state.principal || !state.login || !concerns(state.principal)) continue;
      const previous = state.revalidating ?? Promise.resolve();
      const revalidating = previous
        .then(() => this.applyRights(state))
        .catch((error: Error) => this.logger.error(`could not look up the rights of an AMQP connection again: ${error.message}`))
        .finally(() => {
          if (state.revalidating === revalidating) state.revalidating = undefined;
        });
      state.revalidating = revalidating;
    }
  }

  /**
   * A connection whose login no longer holds, or lost `registry.adapter`, is closed with
   * `amqp:unauthorized-access` (Hono's answer to a connection whose authority ended); the links of
   * tenants it may no longer read are detached with the same condition.
   */
  private async applyRights(state: AdapterConnection): Promise<void> {
    const current = await this.rights.current(state.principal!, state.login!);
    state.principal = current;
    const connection = state.connection!;
    if (!current || !current.may('registry.adapter')) {
      this.logger.log(`closing the AMQP connection of ${state.address}: its rights were revoked`);
      connection.close({ condition: UNAUTHORIZED, description: 'the rights of this login were revoked' });
      return;
    }
    connection.each_link((link: Sender | Receiver) => {
      const tenantId = tenantOfLink(link);
      if (tenantId === undefined || current.canRead(tenantId) || link.is_closed()) return;
      if (link.is_sender()) this.forgetLink(state, link as Sender);
      link.close({ condition: UNAUTHORIZED, description: `not authorized for tenant ${tenantId}` });
    });
  }

  /** A change on any instance, to this instance's subscribers that may read its tenant. */
  private notify(event: RegistryEvent): void {
    const address = eventAddress(event);
    const json = JSON.stringify(event);
    for (const state of this.connections) {
      if (!state.principal?.canRead(event['tenant-id'])) continue;
      for (const link of state.subscriptions) if (link.address === address) link.send(notificationMessage(address, json));
    }
  }
}

/** Why a caller may not use a link to (or request on) the tenant, or undefined when it may. */
function unauthorized(principal: Principal | undefined, tenantId: string | undefined): string | undefined {
  if (!principal || !principal.may('registry.adapter')) return 'the registry.adapter right is required';
  if (tenantId !== undefined && !principal.canRead(tenantId)) return `not authorized for tenant ${tenantId}`;
  return undefined;
}
