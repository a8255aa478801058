import { Principal } from './principal';

const MAX_ENTRIES = 10_000;

/**
 * Verified credentials, kept for a few seconds so that OVMS clients — which send username and
 * password on every call — pay for argon2 once, not per request. Keys are keyed hashes of the
 * credential; entries are dropped at once when the user's password, status or tokens change.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { principal: Principal; expires: number }>();

  get(key: string): Principal | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(key: string, principal: Principal, ttlMs: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { principal, expires: Date.now() + ttlMs });
  }

  dropUser(userId: string): void {
    for (const [key, entry] of this.entries) if (entry.principal.userId === userId) this.entries.delete(key);
  }

  dropToken(tokenId: string): void {
    for (const [key, entry] of this.entries) if (entry.principal.tokenId === tokenId) this.entries.delete(key);
  }

  dropTenant(tenantId: string): void {
    for (const [key, entry] of this.entries) if (entry.principal.grants.has(tenantId)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
