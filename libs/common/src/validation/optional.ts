import { Type } from 'class-transformer';
import { IsArray, IsObject, ValidateIf, ValidateNested, ValidationOptions } from 'class-validator';

/**
 * The one rule for optional properties of every DTO: absent is fine, `null` is a wrong type like any
 * other (class-validator's IsOptional would let it through, and it would be stored). Hono's schemas give
 * null no meaning anywhere in the management API, and neither do ours.
 */
export const Optional = (options?: ValidationOptions) => ValidateIf((_object, value) => value !== undefined, options);

/** A nested object of the given class: an object, not an array (whose elements ValidateNested would accept). */
export function NestedObject(type: () => new () => object) {
  return (target: object, property: string) => {
    IsObject()(target, property);
    ValidateNested()(target, property);
    Type(type)(target, property);
  };
}

/** A list of objects of the given class (no nulls, no nested lists). */
export function NestedObjectList(type: () => new () => object, message = 'each entry must be a JSON object') {
  return (target: object, property: string) => {
    IsArray()(target, property);
    IsObject({ each: true, message })(target, property);
    ValidateNested({ each: true })(target, property);
    Type(type)(target, property);
  };
}
