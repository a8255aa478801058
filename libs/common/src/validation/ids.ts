import { applyDecorators, Injectable, PipeTransform } from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsString, Matches, MaxLength } from 'class-validator';
import { badRequest } from '../errors/registry-errors';

/** Id patterns of Hono's management API; checked before any lookup. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.:=-]+$/;
export const MAX_ID_LENGTH = 256;
/** The longest list of device ids one device names (`via`, `viaGroups`, `memberOf`). */
export const MAX_DEVICE_ID_LIST = 1000;

/** A list of device ids (gateways, gateway groups); checks in the order their messages are reported in. */
export const DeviceIdList = () =>
  applyDecorators(
    MaxLength(MAX_ID_LENGTH, { each: true }),
    Matches(DEVICE_ID_PATTERN, { each: true, message: 'each entry must be a device id' }),
    IsString({ each: true }),
    ArrayMaxSize(MAX_DEVICE_ID_LIST),
    IsArray(),
  );

export function checkId(kind: string, value: unknown, pattern: RegExp): string {
  if (typeof value !== 'string' || value.length === 0) throw badRequest(`${kind} id is required`);
  if (value.length > MAX_ID_LENGTH) throw badRequest(`${kind} id must be at most ${MAX_ID_LENGTH} characters`);
  if (!pattern.test(value)) throw badRequest(`${kind} id must match ${pattern.source}`);
  return value;
}

@Injectable()
export class IdPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly kind: string,
    private readonly pattern: RegExp,
  ) {}

  transform(value: unknown): string {
    return checkId(this.kind, value, this.pattern);
  }
}

export const TenantIdPipe = new IdPipe('tenant', TENANT_ID_PATTERN);
export const DeviceIdPipe = new IdPipe('device', DEVICE_ID_PATTERN);
