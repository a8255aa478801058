import { surfaceOf } from '@app/common';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

type Operation = { security?: unknown[]; responses: Record<string, unknown> };

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const text = (example: string) => ({ content: { 'text/plain': { schema: { type: 'string', example } } } });

/** The error bodies of the three surfaces, as libs/common/src/errors/error-body.ts renders them. */
const ERROR_SCHEMAS = {
  HonoError: {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'string', example: 'device sensor-1 of tenant acme not found' } },
  },
  ApiError: { type: 'object', required: ['error'], properties: { error: { type: 'string', example: 'user alice exists' } } },
  OcpiError: {
    type: 'object',
    required: ['status_code', 'status_message', 'timestamp'],
    properties: {
      status_code: { type: 'integer', example: 2000, description: '2000 client error, 2001 invalid parameters, 3000 server error' },
      status_message: { type: 'string', example: 'unknown token' },
      timestamp: { type: 'string', format: 'date-time', example: '2026-01-02T03:04:05Z' },
    },
  },
};

function honoErrors(method: string): Record<string, unknown> {
  const errors: Record<string, unknown> = {
    400: { description: 'malformed request: invalid JSON, wrong content type, unknown property, bad id', ...json('HonoError') },
    401: { description: 'authentication required (WWW-Authenticate: Basic)', ...json('HonoError') },
    403: { description: 'a right or a registration limit forbids it', ...json('HonoError') },
    404: { description: 'not found, or a tenant the caller may not read', ...json('HonoError') },
    429: { description: 'too many failed logins (Retry-After)', ...json('HonoError') },
    500: { description: 'internal error (logged with the request id)', ...json('HonoError') },
  };
  if (method === 'post' || method === 'put') {
    errors[409] = { description: 'the id, alias, trust anchor or (type, auth-id) is taken', ...json('HonoError') };
    errors[413] = { description: 'body over MAX_BODY_BYTES', ...json('HonoError') };
  }
  if (method === 'put' || method === 'delete') errors[412] = { description: 'If-Match does not match the current version', ...json('HonoError') };
  return errors;
}

function ovmsErrors(method: string): Record<string, unknown> {
  const errors: Record<string, unknown> = {
    401: { description: 'OVMS: authentication failed', ...text('Authentication failed\n') },
    403: { description: 'OVMS: the credential lacks a right', ...text('Insufficient rights\n') },
    404: { description: 'OVMS: unknown call (or resource)', ...text('Unrecognised API call\n') },
    429: { description: 'too many failed logins (Retry-After)', ...json('ApiError') },
  };
  if (method === 'post' || method === 'put') errors[400] = { description: 'invalid fields', ...json('ApiError') };
  return errors;
}

function ocpiErrors(method: string): Record<string, unknown> {
  const errors: Record<string, unknown> = {
    401: { description: 'no or unknown token (2000)', ...json('OcpiError') },
    404: { description: 'unknown version (2000)', ...json('OcpiError') },
  };
  if (method !== 'get') errors[405] = { description: 'not allowed in this registration state (2000)', ...json('OcpiError') };
  if (method === 'post' || method === 'put') errors[400] = { description: 'malformed JSON or invalid credentials object (2001)', ...json('OcpiError') };
  return errors;
}

/** Every authenticated operation gets the error responses of its surface, made here in one place. */
function addErrorResponses(document: OpenAPIObject): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...ERROR_SCHEMAS } };
  for (const [path, item] of Object.entries(document.paths)) {
    const surface = surfaceOf(path);
    for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
      if (!operation.security || operation.security.length === 0) continue;
      const errors = surface === 'hono' ? honoErrors(method) : surface === 'ovms' ? ovmsErrors(method) : surface === 'ocpi' ? ocpiErrors(method) : {};
      operation.responses = { ...errors, ...operation.responses };
    }
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Device Registry')
    .setDescription(
      'Eclipse Hono Device Registry Management API v1 (/v1), OVMS-compatible operator authentication (/api) and OCPI credentials peering (/ocpi).',
    )
    .setVersion('1.13')
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'username and password or API token' }, 'basic')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API token' }, 'bearer')
    .addCookieAuth('ovmsapisession', { type: 'apiKey', in: 'cookie', name: 'ovmsapisession' }, 'cookie')
    .addSecurity('url-password', { type: 'apiKey', in: 'query', name: 'password', description: 'with ?username=… (OVMS style)' })
    .addSecurity('ocpi-token', {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description: 'OCPI: `Token <credentials token>`, raw or Base64 (TOKEN_A only on versions, details and credentials)',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  addErrorResponses(document);
  return document;
}

/** Swagger UI at /api/docs, the document at /api/docs-json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
