import { PgNotifications } from '@app/database';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Principal } from './principal';

const MAX_ENTRIES = 10_000;

/**
 * The channel the database triggers of migration 1767226250000 notify on, in the writing transaction:
 * `{"users": [id…]}` (password, name, admin flag, status or grants changed, or the user deleted),
 * `{"tokens": [id…]}` (an API token deleted or changed), `{"sessions": [sha256…]}` (sessions deleted).
 */
export const AUTH_CHANGES_CHANNEL = 'auth_changes';

type AuthChange = { users?: string[]; tokens?: string[]; sessions?: string[] };

interface Entry {
  principal: Principal;
  expires: number;
}

/** A cached cookie session: valid until `expires`; `lastUsed` is when the database last recorded a use. */
export interface SessionEntry extends Entry {
  lastUsed: number;
  touching: boolean;
}

/**
 * Verified credentials and live sessions, kept in memory so that OVMS clients — which send username and
 * password on every call — pay for argon2 once, and a cookie costs no query per request. Keys are
 * keyed hashes of the credential (the SHA-256 of the cookie for sessions).
 *
 * Correct across instances (docs/instances.md): every change that ends trust reaches every instance through
 * LISTEN/NOTIFY and drops the entries it concerns. While the notification connection is down — and
 * before it first connects — nothing is served from here and nothing is stored (a change could be
 * missed); when it is back everything is cleared. `stamp()` before reading the database and passing it
 * to `set` keeps a read that raced with a change from storing what the change had just revoked.
 */
@Injectable()
export class CredentialCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CredentialCache');
  private readonly entries = new Map<string, Entry>();
  private readonly sessions = new Map<string, SessionEntry>();
  private generation = 0;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly notifications: PgNotifications) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe.push(
      this.notifications.onConnectionChange((connected) => {
        this.clear();
        if (connected) this.logger.log('listening for changes: caches on');
        else this.logger.warn('notification connection down: caches off until it is back');
      }),
    );
    this.unsubscribe.push(await this.notifications.subscribe(AUTH_CHANGES_CHANNEL, (payload) => this.apply(payload)));
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  /** Whether the cache is in use now (the notification connection is up). */
  get live(): boolean {
    return this.notifications.connected;
  }

  /** Take before reading what will be stored; `set` refuses it if anything was dropped since. */
  stamp(): number {
    return this.generation;
  }

  get(key: string): Principal | undefined {
    return this.lookup(this.entries, key)?.principal;
  }

  set(key: string, principal: Principal, ttlMs: number, stamp: number): void {
    if (stamp !== this.generation || !this.live) return;
    store(this.entries, key, { principal, expires: Date.now() + ttlMs });
  }

  session(idHash: string): SessionEntry | undefined {
    return this.lookup(this.sessions, idHash);
  }

  /** A live session; `lastUsed` (this clock) is when the database recorded its last use, `expires` when it ends. */
  setSession(idHash: string, entry: SessionEntry, stamp: number): void {
    if (stamp !== this.generation || !this.live) return;
    store(this.sessions, idHash, entry);
  }

  dropUser(userId: string): void {
    this.generation++;
    for (const map of [this.entries, this.sessions]) {
      for (const [key, entry] of map) if (entry.principal.userId === userId) map.delete(key);
    }
  }

  dropToken(tokenId: string): void {
    this.generation++;
    for (const map of [this.entries, this.sessions]) {
      for (const [key, entry] of map) if (entry.principal.tokenId === tokenId) map.delete(key);
    }
  }

  dropSession(idHash: string): void {
    this.generation++;
    this.sessions.delete(idHash);
  }

  /** Everything whose grants name the tenant (its grants die with it). */
  dropTenant(tenantId: string): void {
    this.generation++;
    for (const map of [this.entries, this.sessions]) {
      for (const [key, entry] of map) if (entry.principal.grants.has(tenantId)) map.delete(key);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.sessions.clear();
  }

  private lookup<E extends Entry>(map: Map<string, E>, key: string): E | undefined {
    if (!this.live) return undefined;
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private apply(payload: string): void {
    let change: AuthChange;
    try {
      change = JSON.parse(payload) as AuthChange;
    } catch {
      // not ours to understand: drop everything rather than keep something it may have revoked
      this.clear();
      return;
    }
    for (const id of change.users ?? []) this.dropUser(id);
    for (const id of change.tokens ?? []) this.dropToken(id);
    for (const idHash of change.sessions ?? []) this.dropSession(idHash);
  }
}

function store<E>(map: Map<string, E>, key: string, entry: E): void {
  if (map.size >= MAX_ENTRIES && !map.has(key)) map.delete(map.keys().next().value!);
  map.set(key, entry);
}
