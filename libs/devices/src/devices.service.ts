import { badRequest, conflict, forbidden, notFound, REGISTRY_CONFIG, RegistryConfig, writtenVersion } from '@app/common';
import { isEnabled, RegistryEvents, SearchParameters } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { TenantsRepository } from '@app/tenants';
import { randomUUID } from 'node:crypto';
import { DevicesRepository, StoredDevice, WriteOutcome } from './devices.repository';

/** A device ready for the wire: JSON text (stored body + status) and its version. */
export interface DeviceView {
  json: string;
  version: string;
}

/** `{...body, "status": {...}}` without parsing the stored body again (the timestamps come printed: no escaping needed). */
export function deviceJson(device: StoredDevice, withId = false): string {
  const updated = device.updated ? `,"updated":"${device.updated}"` : '';
  const flags = device.auto_provisioned ? ',"auto-provisioned":true' : '';
  const head = withId ? `{"id":${JSON.stringify(device.id)},` : '{';
  const inner = device.body.slice(1, -1).trim();
  return `${head}${inner}${inner === '' ? '' : ','}"status":{"created":"${device.created}"${updated}${flags}}}`;
}

/** The stored form of a device body: what the client sent, less the read-only status. */
export function storableDevice(body: Record<string, unknown>): Record<string, unknown> {
  if ('memberOf' in body && ('via' in body || 'viaGroups' in body)) {
    throw badRequest('a device with memberOf (a gateway) cannot have via or viaGroups');
  }
  const { status: _ignored, ...rest } = body;
  return rest;
}

function checkWrite(outcome: WriteOutcome, tenantId: string, deviceId: string): string {
  return writtenVersion(outcome, `device ${deviceId} of tenant ${tenantId}`);
}

@Injectable()
export class DevicesService {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly tenants: TenantsRepository,
    private readonly events: RegistryEvents,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** `autoProvisioned`: made by auto-provisioning (the adapter APIs), which its status then says. */
  async create(
    tenantId: string,
    deviceId: string | undefined,
    body: Record<string, unknown>,
    { autoProvisioned = false } = {},
  ): Promise<{ id: string; version: string }> {
    const id = deviceId ?? randomUUID();
    const device = storableDevice(body);
    const created = await this.devices.create(tenantId, id, device, this.config.maxDevicesPerTenant, autoProvisioned);
    switch (created.outcome) {
      case 'created':
        await this.events.device('CREATE', tenantId, id, isEnabled(device));
        return { id, version: created.version };
      case 'tenant-missing':
        throw notFound(`tenant ${tenantId} not found`);
      case 'exists':
        throw conflict(`device ${id} already exists`);
      case 'limit-reached':
        throw forbidden(`tenant ${tenantId} has reached its device limit`);
    }
  }

  async get(tenantId: string, deviceId: string): Promise<DeviceView> {
    const device = await this.devices.find(tenantId, deviceId);
    if (!device) throw notFound(`device ${deviceId} of tenant ${tenantId} not found`);
    return { json: deviceJson(device), version: device.version };
  }

  async update(tenantId: string, deviceId: string, body: Record<string, unknown>, expected: string[] | null): Promise<string> {
    const device = storableDevice(body);
    const version = checkWrite(await this.devices.update(tenantId, deviceId, device, expected), tenantId, deviceId);
    await this.events.device('UPDATE', tenantId, deviceId, isEnabled(device));
    return version;
  }

  /** 204 when the tenant itself is gone (Hono); 404 only when the tenant exists but the device does not. */
  async delete(tenantId: string, deviceId: string, expected: string[] | null): Promise<void> {
    const outcome = await this.devices.delete(tenantId, deviceId, expected);
    if (outcome.outcome === 'missing' && !(await this.tenants.exists(tenantId))) return;
    checkWrite(outcome, tenantId, deviceId);
    await this.events.device('DELETE', tenantId, deviceId, false);
  }

  async deleteAll(tenantId: string): Promise<void> {
    await this.devices.deleteAll(tenantId);
    await this.events.allDevicesDeleted(tenantId);
  }

  async search(tenantId: string, search: SearchParameters, isGateway: boolean | undefined): Promise<string> {
    const { total, page } = await this.devices.search(tenantId, search, isGateway);
    if (total === 0) throw notFound('no devices match the search');
    return `{"total":${total},"result":[${page.map((device) => deviceJson(device, true)).join(',')}]}`;
  }
}
