import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsObject, ValidateIf, ValidateNested, ValidationOptions } from 'class-validator';

/**
 * The one rule for optional properties of every DTO: absent is fine, `null` is a wrong type like any
 * other (class-validator's IsOptional would let it through, and it would be stored). Hono's schemas give
 * null no meaning anywhere in the management API, and neither do ours.
 */
export const Optional = (options?: ValidationOptions) => ValidateIf((_object, value) => value !== undefined, options);

/** A nested object of the given class: an object, not an array (whose elements ValidateNested would accept). */
export const NestedObject = (type: () => new () => object) => applyDecorators(IsObject(), ValidateNested(), Type(type));

/** A list of objects of the given class (no nulls, no nested lists). */
export const NestedObjectList = (type: () => new () => object, message = 'each entry must be a JSON object') =>
  applyDecorators(IsArray(), IsObject({ each: true, message }), ValidateNested({ each: true }), Type(type));
