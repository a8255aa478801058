import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

/** OCPI's URL type, and every URL a client gives us to call: an absolute http(s) URL of at most 255 characters. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 255) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function IsHttpUrl(options?: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: property,
      options,
      validator: {
        validate: (value: unknown) => isHttpUrl(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an http(s) URL of at most 255 characters`,
      },
    });
}
