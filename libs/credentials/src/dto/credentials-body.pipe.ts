import { badRequest, JsonBodyPipe, RegistryError } from '@app/common';
import { Injectable, PipeTransform } from '@nestjs/common';
import { credentialDtoFor } from './credential.dto';

const ELEMENT = new JsonBodyPipe({ required: true });

/**
 * The body of PUT /v1/credentials: a JSON array of credentials, each validated against the DTO of its
 * `type` with the same rules as every other body (unknown properties, strict types, NUL, depth …).
 * The route gets the client's own JSON back.
 */
@Injectable()
export class CredentialsBodyPipe implements PipeTransform<unknown, Array<Record<string, unknown>>> {
  transform(value: unknown): Array<Record<string, unknown>> {
    if (value === undefined || value === null) throw badRequest('request body is required');
    if (!Array.isArray(value)) throw badRequest('request body must be a JSON array of credentials');
    return value.map((credential: unknown, index) => {
      if (typeof credential !== 'object' || credential === null || Array.isArray(credential)) {
        throw badRequest(`credentials[${index}] must be a JSON object`);
      }
      const type = (credential as { type?: unknown }).type;
      if (type === undefined) throw badRequest(`credentials[${index}]: type is required`);
      try {
        return ELEMENT.transform(credential, { type: 'body', metatype: credentialDtoFor(typeof type === 'string' ? type : '') });
      } catch (error) {
        if (error instanceof RegistryError) throw badRequest(`credentials[${index}]: ${error.message}`);
        throw error;
      }
    });
  }
}

export const CredentialsBody = new CredentialsBodyPipe();
