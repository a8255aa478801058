import { registerDecorator, ValidationOptions } from 'class-validator';

/** Standard Base64 (RFC 4648 section 4) with padding, as Hono's `format: byte` fields. */
export function IsBase64Bytes(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isBase64Bytes',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length > 0 && value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value),
        defaultMessage: (args) => `${args?.property} must be Base64 encoded`,
      },
    });
}
