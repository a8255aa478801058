import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { isRfc3339 } from '../time';
import { isJsonObject } from './json-object';

/** A JSON object (not an array, not null) whose values are all strings, such as HTTP headers. */
export function IsStringMap(options?: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName: property,
      options,
      validator: {
        validate: (value: unknown) =>
          isJsonObject(value) && Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an object of strings`,
      },
    });
}

/** A plain JSON object (free-form: `ext`, `defaults`, …). */
export function IsJsonObject(options?: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isJsonObject',
      target: target.constructor,
      propertyName: property,
      options,
      validator: {
        validate: isJsonObject,
        defaultMessage: (args: ValidationArguments) => `${args.property} must be a JSON object`,
      },
    });
}

/** An RFC 3339 date-time with an offset. */
export function IsRfc3339(options?: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isRfc3339',
      target: target.constructor,
      propertyName: property,
      options,
      validator: {
        validate: (value: unknown) => isRfc3339(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an RFC 3339 date-time with offset`,
      },
    });
}
