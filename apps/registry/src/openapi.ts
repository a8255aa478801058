import { ACCESS_EXTENSION } from '@app/auth';
import { ERROR_MESSAGE_EXTENSION, renderError, Surface, surfaceOf } from '@app/common';
import { EXAMPLE_PEER_ID } from '@app/peering';
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

type Content = Record<string, { schema?: unknown; example?: unknown }>;
type Response = { description?: string; content?: Content; [ERROR_MESSAGE_EXTENSION]?: string };
type Parameter = { name: string; in: string; example?: unknown };
type Operation = {
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, Response>;
  [ACCESS_EXTENSION]?: { right: string; tenantParam?: string };
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The error bodies of the three surfaces, as libs/common/src/errors/error-body.ts renders them. */
const ERROR_SCHEMAS = {
  HonoError: { type: 'object', required: ['error'], properties: { error: { type: 'string', description: 'for humans' } } },
  ApiError: { type: 'object', required: ['error'], properties: { error: { type: 'string', description: 'for humans' } } },
  OcpiError: {
    type: 'object',
    required: ['status_code', 'status_message', 'timestamp'],
    properties: {
      status_code: { type: 'integer', description: '2000 client error, 2001 invalid parameters, 3000 server error; 3001-3003 callback failures' },
      status_message: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
    },
  },
};
const SCHEMA_OF: Record<Surface, string> = { hono: 'HonoError', ovms: 'ApiError', ocpi: 'OcpiError', plain: 'ApiError' };
const EXAMPLE_TIMESTAMP = '2026-01-02T03:04:05Z';

/** An error answer exactly as the service sends it: rendered by the function that renders real errors. */
function errorResponse(surface: Surface, status: number, description: string, message: string): Response {
  const rendered = renderError(surface, status, message);
  const type = rendered.headers['content-type'].split(';')[0];
  if (type !== 'application/json') return { description, content: { [type]: { schema: { type: 'string' }, example: rendered.body } } };
  const example = JSON.parse(rendered.body) as Record<string, unknown>;
  if ('timestamp' in example) example.timestamp = EXAMPLE_TIMESTAMP; // a document that does not change between builds
  return { description, content: { 'application/json': { schema: ref(SCHEMA_OF[surface]), example } } };
}

/**
 * The path parameters of every route, named alike everywhere, with the ids the request examples use: tenant
 * `acme` with device `sensor-1`, operator `alice`. Swagger UI fills them in, so the examples run as shown.
 */
const PATH_PARAMETER_EXAMPLES: Record<string, string> = {
  tenantId: 'acme',
  deviceId: 'sensor-1',
  username: 'alice',
  token: '6f1ed002ab5595859014ebf0951522d9c2a0cd7a5b1e4f2c8b0e3f6a1d2c3b4a',
  id: EXAMPLE_PEER_ID,
  version: '2.2.1',
};

function addParameterExamples(operation: Operation): void {
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'path' && parameter.example === undefined) parameter.example = PATH_PARAMETER_EXAMPLES[parameter.name];
  }
}

type ErrorDefault = [description: string, message: string];

/** The errors an operation can meet without saying so itself, with their real messages; a route's own `@ApiError` wins. */
function defaultErrors(surface: Surface, operation: Operation): Record<number, ErrorDefault> {
  const access = operation[ACCESS_EXTENSION];
  const hasBody = operation.requestBody !== undefined;
  const errors: Record<number, ErrorDefault> = {};
  if (surface === 'ocpi') {
    errors[401] = ['no Authorization header, or an unknown token (2000)', 'missing Authorization: Token header'];
    errors[404] = ['a version we do not serve (2000)', 'unknown OCPI version "1.9"'];
    if (hasBody) errors[400] = ['malformed JSON or an invalid credentials object (2001)', 'request body is not valid JSON'];
    return errors;
  }
  if (!access) return errors;
  if (hasBody) errors[400] = ['malformed request: invalid JSON, unknown property, wrong type', 'request body is not valid JSON'];
  else if (access.tenantParam) errors[400] = ['an id that does not match its pattern', 'tenant id must match ^[A-Za-z0-9_.-]+$'];
  errors[401] = [surface === 'hono' ? 'authentication required (WWW-Authenticate: Basic)' : 'authentication failed', 'authentication required'];
  if (access.right !== 'auth') errors[403] = ['the credential lacks a right', `this credential lacks the right "${access.right}"`];
  if (access.tenantParam) errors[404] = ['no such tenant, or one the caller may not read', 'tenant acme not found'];
  if (operation.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === 'If-Match')) {
    errors[412] = ['If-Match does not match the current version', 'resource version does not match If-Match'];
  }
  if (hasBody) errors[413] = ['body over MAX_BODY_BYTES', 'Request body is too large'];
  errors[429] = ['too many failed logins (Retry-After)', 'too many failed attempts, try again later'];
  if (surface === 'hono') errors[500] = ['internal error (logged with the request id)', 'internal error'];
  return errors;
}

/**
 * Finishes every operation in one place: its path parameters get the examples' ids, and every error response
 * the body its surface really sends (the route's `@ApiError` messages and the defaults above, rendered by
 * libs/common's renderError).
 */
function completeOperations(document: OpenAPIObject): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...ERROR_SCHEMAS } };
  for (const [path, item] of Object.entries(document.paths)) {
    const surface = surfaceOf(path);
    for (const operation of Object.values(item as Record<string, Operation>)) {
      const responses: Record<string, Response> = {};
      for (const [status, [description, message]] of Object.entries(defaultErrors(surface, operation))) {
        responses[status] = errorResponse(surface, Number(status), description, message);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        const message = response[ERROR_MESSAGE_EXTENSION];
        responses[status] =
          message !== undefined ? errorResponse(surface, Number(status), response.description || responses[status]?.description || '', message) : response;
      }
      addParameterExamples(operation);
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
      delete operation[ACCESS_EXTENSION];
    }
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Device Registry')
    .setDescription(
      'Eclipse Hono Device Registry Management API v1 (/v1), OVMS-compatible operator authentication (/api) and OCPI credentials peering (/ocpi). ' +
        'Press Authorize and fill in `basic` with an operator\'s username and password (or an API token); what you type stays in this page only.',
    )
    .setVersion('1.13')
    .addSecurity('basic', { type: 'http', scheme: 'basic', description: 'username and password, or username and API token' })
    .addSecurity('bearer', { type: 'http', scheme: 'bearer', description: 'API token (64 hex characters, from POST /api/token)' })
    .addSecurity('cookie', { type: 'apiKey', in: 'cookie', name: 'ovmsapisession', description: 'session from GET /api/cookie' })
    .addSecurity('url-username', { type: 'apiKey', in: 'query', name: 'username', description: 'OVMS style, with url-password' })
    .addSecurity('url-password', { type: 'apiKey', in: 'query', name: 'password', description: 'OVMS style, with url-username: the password or an API token' })
    .addSecurity('ocpi-token', {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description: 'OCPI: `Token <credentials token>`, raw or Base64 (TOKEN_A only on versions, details and credentials)',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  completeOperations(document);
  return document;
}

/**
 * Runs in the page: marks Swagger UI's requests as a script's, so a 401 comes with a challenge the browser
 * does not answer with its own login prompt (libs/common/src/errors/error-body.ts). Serialised into the page.
 */
function markAsScriptRequest(request: { headers: Record<string, string> }) {
  request.headers['X-Requested-With'] = 'XMLHttpRequest';
  return request;
}

/** Swagger UI at /api/docs, the document at /api/docs-json. What is typed into Authorize is kept in the page only. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
    swaggerOptions: { persistAuthorization: false, requestInterceptor: markAsScriptRequest },
  });
}
