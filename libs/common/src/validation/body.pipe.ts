import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { badRequest } from '../errors/registry-errors';

function describe(errors: ValidationError[], path = ''): string | undefined {
  for (const error of errors) {
    const here = path === '' ? error.property : /^\d+$/.test(error.property) ? `${path}[${error.property}]` : `${path}.${error.property}`;
    const constraints = Object.entries(error.constraints ?? {});
    if (constraints.length > 0) {
      const [kind, message] = constraints[0];
      if (kind === 'whitelistValidation') return `unknown property "${here}"`;
      return message.startsWith(error.property) ? `${here}${message.slice(error.property.length)}` : `${here}: ${message}`;
    }
    const nested = describe(error.children ?? [], here);
    if (nested) return nested;
  }
  return undefined;
}

/** Jackson's default limit (Hono); deeper JSON would exhaust the stack of the checks below, or PostgreSQL's. */
export const MAX_JSON_DEPTH = 1000;

/** Nesting depth of parsed JSON, without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_JSON_DEPTH) break;
    for (const inner of Object.values(current)) pending.push([inner, depth + 1]);
  }
  return deepest;
}

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** NUL and unpaired surrogates are valid in JSON text but PostgreSQL's jsonb refuses them. */
export function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).some(([key, inner]) => UNSTORABLE.test(key) || hasUnstorableText(inner));
  }
  return false;
}

/**
 * Property names that are members of Object.prototype (`constructor`, `toString`, `__proto__`, …):
 * class-transformer skips them, so they would pass as known properties, or crashes on them.
 */
function objectMemberName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(Object.prototype, key)) return key;
    const nested = objectMemberName(inner);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

export interface BodyPipeOptions {
  /** PUT needs a body; POST creates from defaults when there is none. */
  required: boolean;
}

/**
 * Own properties that are undefined: ES2022 class fields define every declared property on each DTO
 * instance, but a property the client did not send is absent (Hono stores no defaults, and `in` and
 * `Object.keys` must see what was sent). Walks nested DTOs and lists without recursion.
 */
function dropAbsentFields(root: object): void {
  const pending: object[] = [root];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const [key, inner] of Object.entries(current)) {
      if (inner === undefined && !Array.isArray(current)) delete (current as Record<string, unknown>)[key];
      else if (typeof inner === 'object' && inner !== null) pending.push(inner);
    }
  }
}

/**
 * Validates a JSON object body against the class-validator DTO of the parameter and hands the route
 * the validated DTO instance: the client's JSON with the DTO's `@Transform`s applied, nothing else
 * added (no defaults materialised). Unknown properties are rejected except inside what a DTO declares
 * free-form (`ext`, `defaults`, …), which is kept as sent.
 */
@Injectable()
export class JsonBodyPipe implements PipeTransform {
  constructor(private readonly options: BodyPipeOptions) {}

  transform(value: unknown, metadata: ArgumentMetadata): Record<string, unknown> {
    if (value === undefined || value === null) {
      if (this.options.required) throw badRequest('request body is required');
      value = {};
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('request body must be a JSON object');
    if (jsonDepth(value) > MAX_JSON_DEPTH) throw badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (hasUnstorableText(value)) throw badRequest('strings must not contain NUL characters or unpaired surrogates');
    const memberName = objectMemberName(value);
    if (memberName !== undefined) throw badRequest(`property name "${memberName}" is not supported`);
    const metatype = metadata.metatype;
    if (metatype && metatype !== Object) {
      const instance = plainToInstance(metatype, value) as Record<string, unknown>;
      const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
      const message = describe(errors);
      if (message) throw badRequest(message);
      dropAbsentFields(instance);
      return instance;
    }
    return value as Record<string, unknown>;
  }
}

export const RequiredBody = new JsonBodyPipe({ required: true });
export const OptionalBody = new JsonBodyPipe({ required: false });

export { describe as describeValidationErrors };
