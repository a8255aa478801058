import { Injectable, Logger } from '@nestjs/common';
import { Queryable } from '../database.service';
import { PgNotifications } from './pg-notifications';

/** The PostgreSQL channel the registry's change events travel on between instances. */
export const REGISTRY_EVENTS_CHANNEL = 'registry_events';

export type LifecycleChange = 'CREATE' | 'UPDATE' | 'DELETE';

/** Hono's device registry notifications (`org.eclipse.hono.notification.deviceregistry`), as JSON. */
export type RegistryEvent = { source: 'device-registry'; 'creation-time': string } & (
  | { type: 'tenant-change-v1'; change: LifecycleChange; 'tenant-id': string; enabled: boolean; 'invalidate-cache-on-update': boolean }
  | { type: 'device-change-v1'; change: LifecycleChange; 'tenant-id': string; 'device-id': string; enabled: boolean }
  | { type: 'credentials-change-v1'; 'tenant-id': string; 'device-id': string }
  | { type: 'all-devices-of-tenant-deleted-v1'; 'tenant-id': string }
);

type Body<T extends RegistryEvent['type']> = Omit<Extract<RegistryEvent, { type: T }>, 'source' | 'creation-time' | 'type'>;

const stamp = <T extends RegistryEvent['type']>(type: T, body: Body<T>): RegistryEvent =>
  ({ type, source: 'device-registry', 'creation-time': new Date().toISOString(), ...body }) as RegistryEvent;

/** The events, built for publishing one by one or in batches (the import). */
export const registryEvent = {
  // Hono asks adapters to drop what they cached of the tenant's devices when a tenant is disabled
  tenant: (change: LifecycleChange, tenantId: string, enabled: boolean) =>
    stamp('tenant-change-v1', { change, 'tenant-id': tenantId, enabled, 'invalidate-cache-on-update': change === 'UPDATE' && !enabled }),
  device: (change: LifecycleChange, tenantId: string, deviceId: string, enabled: boolean) =>
    stamp('device-change-v1', { change, 'tenant-id': tenantId, 'device-id': deviceId, enabled }),
  credentials: (tenantId: string, deviceId: string) => stamp('credentials-change-v1', { 'tenant-id': tenantId, 'device-id': deviceId }),
  allDevicesDeleted: (tenantId: string) => stamp('all-devices-of-tenant-deleted-v1', { 'tenant-id': tenantId }),
};

/** `enabled` of a stored tenant or device body (absent means enabled). */
export const isEnabled = (body: Record<string, unknown>): boolean => body.enabled !== false;

/**
 * Publishes a change of the registry to every instance (Hono's notifications, docs/hono-adapters.md), after the write
 * that made it: the management services call it once per write, the import once per batch. A failure to
 * publish is logged, never turned into a failed write (the write is committed by then).
 */
@Injectable()
export class RegistryEvents {
  private readonly logger = new Logger('RegistryEvents');

  constructor(private readonly notifications: PgNotifications) {}

  tenant(change: LifecycleChange, tenantId: string, enabled: boolean): Promise<void> {
    return this.publish([registryEvent.tenant(change, tenantId, enabled)]);
  }

  device(change: LifecycleChange, tenantId: string, deviceId: string, enabled: boolean): Promise<void> {
    return this.publish([registryEvent.device(change, tenantId, deviceId, enabled)]);
  }

  credentials(tenantId: string, deviceId: string): Promise<void> {
    return this.publish([registryEvent.credentials(tenantId, deviceId)]);
  }

  allDevicesDeleted(tenantId: string): Promise<void> {
    return this.publish([registryEvent.allDevicesDeleted(tenantId)]);
  }

  /** Many events in one statement (the import); `via` an open transaction sends them at its commit. */
  async publish(events: RegistryEvent[], via?: Queryable): Promise<void> {
    try {
      await this.notifications.notifyAll(REGISTRY_EVENTS_CHANNEL, events.map((event) => JSON.stringify(event)), via);
    } catch (error) {
      if (via) throw error;
      this.logger.error(`could not publish ${events.length} registry event(s): ${(error as Error).message}`);
    }
  }

  /** Every event published by any instance, this one included. */
  subscribe(handler: (event: RegistryEvent) => void): Promise<() => void> {
    return this.notifications.subscribe(REGISTRY_EVENTS_CHANNEL, (payload) => handler(JSON.parse(payload) as RegistryEvent));
  }
}
