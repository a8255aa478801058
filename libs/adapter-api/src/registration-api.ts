import { RegistryError } from '@app/common';
import { DevicesService } from '@app/devices';
import { Injectable } from '@nestjs/common';
import { AdapterApiRepository } from './adapter-api.repository';
import { ApiRequest, ApiResult, failure, maxAge } from './hono-messages';

type Json = Record<string, unknown>;

/** How long adapters may keep an assertion (Hono's registries). */
const ASSERTION_MAX_AGE = maxAge(300);
const AUTO_PROVISIONING_AUTHORITY = 'auto-provisioning-enabled';
const DEVICE_ID = /^[A-Za-z0-9_.:=-]+$/;

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const enabled = (device: Json) => device.enabled !== false;

/** Hono's Device Registration API (`registration/${tenant}`, operation `assert`). */
@Injectable()
export class RegistrationApi {
  constructor(
    private readonly repository: AdapterApiRepository,
    private readonly devices: DevicesService,
  ) {}

  async handle(tenantId: string, request: ApiRequest): Promise<ApiResult> {
    if (request.operation !== 'assert') return failure(400, `unsupported operation "${request.operation}"`);
    const { device_id: deviceId, gateway_id: gatewayId } = request.applicationProperties;
    if (typeof deviceId !== 'string' || deviceId === '') return failure(400, 'the device_id property is required');
    if (gatewayId !== undefined && (typeof gatewayId !== 'string' || gatewayId === '')) return failure(400, 'gateway_id must be a non-empty string');
    const row = await this.repository.assertion(tenantId, deviceId, gatewayId ?? null);
    if (!row.tenant_found) return failure(404, 'tenant not found');
    const { gateway } = row;
    let device = row.device;
    if (gatewayId !== undefined && (!gateway || !enabled(gateway))) return failure(403, 'gateway unknown or disabled');
    if (!device && gatewayId !== undefined && strings(gateway!.authorities).includes(AUTO_PROVISIONING_AUTHORITY)) {
      const provisioned = await this.provisionEdgeDevice(tenantId, deviceId, gatewayId);
      if (provisioned.failed) return provisioned.failed;
      device = provisioned.device;
    }
    if (!device || !enabled(device)) return failure(404, 'device unknown or disabled');
    const via = [...new Set([...strings(device.via), ...(row.group_gateways ?? [])])];
    if (gatewayId !== undefined && !via.includes(gatewayId)) return failure(403, 'gateway not authorized for the device');
    const body: Json = { 'device-id': deviceId };
    if (via.length > 0) body.via = via;
    for (const field of ['defaults', 'downstream-message-mapper', 'upstream-message-mapper', 'command-endpoint']) {
      if (device[field] !== undefined) body[field] = device[field];
    }
    return { status: 200, body, deviceId, cacheControl: ASSERTION_MAX_AGE };
  }

  /**
   * An unknown device behind a gateway that may provision its devices (Hono's edge auto-provisioning):
   * created with the gateway in `via`, marked auto-provisioned. A concurrent request may have created
   * it first; that is fine.
   */
  private async provisionEdgeDevice(tenantId: string, deviceId: string, gatewayId: string): Promise<{ device: Json | null; failed?: ApiResult }> {
    if (deviceId.length > 256 || !DEVICE_ID.test(deviceId)) return { device: null, failed: failure(400, 'the device id is not valid') };
    const device = { via: [gatewayId] };
    try {
      await this.devices.create(tenantId, deviceId, device, { autoProvisioned: true });
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      if (error.getStatus() !== 409) return { device: null, failed: failure(error.getStatus(), error.message) };
      return { device: (await this.repository.assertion(tenantId, deviceId, gatewayId)).device };
    }
    return { device };
  }
}
