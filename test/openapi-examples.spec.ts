import { http, HttpResponse } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

/**
 * Every example request of the served OpenAPI document succeeds when executed as shown against a
 * fresh server, and the error examples are the real answers. This walks /api/docs-json the way a newcomer
 * walks Swagger UI: authorised as an admin with Basic, every operation in a sensible order (each resource's
 * creates, then replaces, then reads; the deletes at the end, the most specific first), path and query
 * parameters from their examples, every named body example (the default one last, so what follows sees what
 * the page's default leaves behind).
 */

type Json = Record<string, any>;

interface Operation {
  method: string;
  path: string;
  spec: Json;
}

/** The order of resources: what a later one needs exists by then (tenant before device before credentials …). */
const RESOURCES = ['/health', '/v1/tenants', '/v1/devices', '/v1/credentials', '/v1/authenticate', '/api/users', '/api/token', '/api/cookie', '/api/me', '/api/peers', '/ocpi'];
const METHODS = ['post', 'put', 'get', 'delete'];

/**
 * These need a partner platform that speaks OCPI (test/peering-*.spec.ts run them between two real
 * instances). Executed as shown, with no partner, they give this documented answer instead of a 2xx.
 */
const WITHOUT_A_PARTNER: Record<string, number> = {
  'POST /api/peers/register': 502,
  'POST /api/peers/{id}/update': 409,
  'PUT /ocpi/{version}/credentials': 405,
  'DELETE /ocpi/{version}/credentials': 405,
};

const resourceOf = (path: string) => RESOURCES.findIndex((prefix) => path === prefix || path.startsWith(`${prefix}/`));

function inOrder(document: Json): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const [method, spec] of Object.entries<Json>(item)) operations.push({ method, path, spec });
  }
  for (const operation of operations) expect(resourceOf(operation.path)).toBeGreaterThanOrEqual(0);
  const key = (operation: Operation) => {
    const deleting = operation.method === 'delete';
    const resource = resourceOf(operation.path);
    return [deleting ? 1 : 0, deleting ? -resource : resource, METHODS.indexOf(operation.method), deleting ? -operation.path.length : operation.path.length];
  };
  return operations.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    const index = ka.findIndex((value, i) => value !== kb[i]);
    return index < 0 ? 0 : ka[index] - kb[index];
  });
}

const name = (operation: Operation) => `${operation.method.toUpperCase()} ${operation.path}`;

/** What the document shows for a status: content type and example, ids the server generated put in. */
function documented(operation: Operation, status: number, generated: Record<string, string>): { type?: string; example?: unknown } {
  const response = operation.spec.responses[String(status)];
  if (!response?.content) return {};
  const [type, media] = Object.entries<Json>(response.content)[0];
  let example = media.example;
  const exampleId = operation.spec.parameters?.find((parameter: Json) => parameter.in === 'path' && parameter.name === 'id')?.example;
  if (example !== undefined && exampleId && generated.id) example = JSON.parse(JSON.stringify(example).split(exampleId).join(generated.id));
  return { type, example };
}

/** The properties and required keys of an object schema (through $ref and allOf); undefined when it says no more. */
function objectShape(document: Json, schema: Json | undefined): { properties: string[]; required: string[] } | undefined {
  if (!schema) return undefined;
  if (schema.$ref) return objectShape(document, document.components.schemas[schema.$ref.split('/').pop()]);
  if (schema.allOf) {
    const parts = schema.allOf.map((part: Json) => objectShape(document, part));
    if (parts.some((part: unknown) => part === undefined)) return undefined;
    return { properties: parts.flatMap((part: Json) => part.properties), required: parts.flatMap((part: Json) => part.required) };
  }
  if (schema.type !== 'object' || !schema.properties || schema.additionalProperties) return undefined;
  return { properties: Object.keys(schema.properties), required: schema.required ?? [] };
}

/** A JSON answer has the documented fields, and only those (one level deep, and in each array element). */
function expectSchemaFields(document: Json, label: string, schema: Json | undefined, body: unknown): void {
  if (schema?.$ref) return expectSchemaFields(document, label, document.components.schemas[schema.$ref.split('/').pop()], body);
  if (schema?.type === 'array' && Array.isArray(body)) {
    for (const item of body) expectSchemaFields(document, label, schema.items, item);
    return;
  }
  const shape = objectShape(document, schema);
  if (!shape || typeof body !== 'object' || body === null) return;
  const keys = Object.keys(body);
  expect({ label, undocumented: keys.filter((key) => !shape.properties.includes(key)) }).toEqual({ label, undocumented: [] });
  expect({ label, missing: shape.required.filter((key) => !keys.includes(key)) }).toEqual({ label, missing: [] });
  for (const key of keys) {
    const property = (schema?.properties ?? {})[key];
    if (property) expectSchemaFields(document, `${label} .${key}`, property, (body as Json)[key]);
  }
}

/** The answer is the documented one for its status: the status is documented, the type and the example match. */
function expectDocumentedAnswer(document: Json, operation: Operation, res: HttpResponse, generated: Record<string, string>): void {
  const label = `${name(operation)} → ${res.status} ${res.text.slice(0, 200)}`;
  expect({ label, documented: Object.keys(operation.spec.responses).includes(String(res.status)) }).toEqual({ label, documented: true });
  const { type, example } = documented(operation, res.status, generated);
  if (type === undefined) {
    expect({ label, body: res.text }).toEqual({ label, body: '' });
    return;
  }
  expect({ label, type: (res.headers.get('content-type') ?? '').split(';')[0] }).toEqual({ label, type });
  if (type === 'application/json') expectSchemaFields(document, label, operation.spec.responses[String(res.status)].content[type].schema, res.body);
  if (example === undefined) return;
  const actual = type === 'application/json' ? { ...res.body } : res.text;
  if (typeof actual === 'object' && 'timestamp' in actual) actual.timestamp = (example as Json).timestamp;
  expect({ label, body: actual }).toEqual({ label, body: example });
}

describe('the examples of the served OpenAPI document', () => {
  let t: TestApp;
  let document: Json;
  let operations: Operation[];
  /** What the registry generated that later examples refer to (the peer id), as a user copies it from the page. */
  const generated: Record<string, string> = {};
  let tokenA: string;

  beforeAll(async () => {
    t = await startTestApp();
    document = (await http(t.baseUrl).get('/api/docs-json')).body;
    operations = inOrder(document);
  });
  afterAll(() => t.close());

  function requestOf(operation: Operation, authorised: boolean) {
    let path = operation.path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = {};
    for (const parameter of operation.spec.parameters ?? []) {
      const value = parameter.in === 'path' ? (generated[parameter.name] ?? parameter.example) : parameter.example;
      if (parameter.in === 'path') {
        expect({ operation: name(operation), parameter: parameter.name, value }).toEqual({ operation: name(operation), parameter: parameter.name, value: expect.any(String) });
        path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
      } else if (value !== undefined && parameter.in === 'query') {
        for (const one of Array.isArray(value) ? value : [value]) query.append(parameter.name, String(one));
      } else if (value !== undefined && parameter.in === 'header') {
        headers[parameter.name] = String(value);
      }
    }
    const security: Json[] = operation.spec.security ?? [];
    if (authorised && security.some((requirement) => 'basic' in requirement)) Object.assign(headers, t.admin);
    if (authorised && security.some((requirement) => 'ocpi-token' in requirement)) headers.authorization = `Token ${tokenA}`;
    return { path: query.size > 0 ? `${path}?${query}` : path, headers };
  }

  /** The body examples to execute, the default (first) one last; `[undefined]` when there is none. */
  function bodiesOf(operation: Operation): Array<{ contentType: string; value: unknown } | undefined> {
    const content: Json | undefined = operation.spec.requestBody?.content;
    if (!content) return [undefined];
    const contentType = 'application/json' in content ? 'application/json' : Object.keys(content)[0];
    const media = content[contentType];
    if (media.examples) {
      const values = Object.values<Json>(media.examples).map((example) => ({ contentType, value: example.value }));
      return [...values.slice(1), values[0]];
    }
    if (media.example !== undefined) return [{ contentType, value: media.example }];
    expect({ operation: name(operation), requiredBodyWithoutExample: operation.spec.requestBody.required === true }).toEqual({
      operation: name(operation),
      requiredBodyWithoutExample: false,
    });
    return [undefined];
  }

  async function execute(operation: Operation, body: { contentType: string; value: unknown } | undefined, authorised = true): Promise<HttpResponse> {
    const { path, headers } = requestOf(operation, authorised);
    return http(t.baseUrl).request(operation.method.toUpperCase(), path, {
      headers,
      ...(body ? { body: body.value, contentType: body.contentType } : {}),
    });
  }

  it('executes every operation as shown, in order, and gets a documented success', async () => {
    const outcomes: string[] = [];
    for (const operation of operations) {
      for (const body of bodiesOf(operation)) {
        const res = await execute(operation, body);
        outcomes.push(`${name(operation)} ${res.status}`);
        const expected = WITHOUT_A_PARTNER[name(operation)];
        if (expected !== undefined) {
          expect({ operation: name(operation), status: res.status }).toEqual({ operation: name(operation), status: expected });
        } else {
          const successes = Object.keys(operation.spec.responses).filter((status) => /^2/.test(status)).map(Number);
          const label = `${name(operation)} → ${res.status} ${res.text.slice(0, 300)}`;
          expect({ label, success: successes.includes(res.status) }).toEqual({ label, success: true });
        }
        if (expected === undefined || res.status !== 502) expectDocumentedAnswer(document, operation, res, generated);
        else {
          // how the example's peer fails depends on the network (no such host, refused, timed out): the step is fixed
          const example = documented(operation, 502, generated).example as Json;
          expect(Object.keys(res.body)).toEqual(Object.keys(example));
          expect(res.body.error.split(':')[0]).toBe(example.error.split(':')[0]);
        }
        // OCPI's registration reports the failed callback to the example's peer inside a 200
        if (name(operation) === 'POST /ocpi/{version}/credentials') expect(res.body.status_code).toBe(3001);
        if (name(operation) === 'POST /api/peers') {
          generated.id = res.body.id;
          tokenA = res.body.token_a;
        }
      }
    }
    // the walk did what it says: everything was there, and the deletes came last
    expect(outcomes.length).toBeGreaterThanOrEqual(40);
    expect(outcomes.slice(-1)[0]).toBe('DELETE /v1/tenants/{tenantId} 204');
  });

  it('leaves what the examples say: the tenant and its device went, the generated ones stay', async () => {
    const admin = http(t.baseUrl, t.admin);
    expect((await admin.get('/v1/tenants/acme')).status).toBe(404);
    const tenants = await admin.get('/v1/tenants');
    expect(tenants.body.result).toEqual([expect.objectContaining({ ext: { owner: 'ops@globex.example', region: 'eu-north' } })]);
  });

  it('answers 401 exactly as documented for every operation, when not authorised', async () => {
    for (const operation of operations) {
      if (!(operation.spec.security ?? []).length) continue;
      const [body] = bodiesOf(operation);
      const res = await execute(operation, body, false);
      expect({ operation: name(operation), status: res.status }).toEqual({ operation: name(operation), status: 401 });
      expectDocumentedAnswer(document, operation, res, generated);
    }
  });

  describe('error examples are the real answers', () => {
    const find = (method: string, path: string) => operations.find((operation) => operation.method === method && operation.path === path)!;
    const admin = () => http(t.baseUrl, t.admin);

    beforeAll(async () => {
      expect((await admin().post('/v1/tenants/acme', {})).status).toBe(201);
      expect((await admin().post('/v1/devices/acme/sensor-1', {})).status).toBe(201);
      expect((await admin().post('/api/users', { username: 'alice', password: 'alice-password' })).status).toBe(201);
    });

    it('409 of a second create with the same id', async () => {
      expectDocumentedAnswer(document, find('post', '/v1/tenants/{tenantId}'), await admin().post('/v1/tenants/acme', {}), generated);
      expectDocumentedAnswer(document, find('post', '/v1/devices/{tenantId}/{deviceId}'), await admin().post('/v1/devices/acme/sensor-1', {}), generated);
      const user = await admin().post('/api/users', { username: 'alice', password: 'alice-password' });
      expect(user.status).toBe(409);
      expectDocumentedAnswer(document, find('post', '/api/users'), user, generated);
    });

    it('404 of a device or credentials that are not there', async () => {
      expect((await admin().delete('/v1/devices/acme/sensor-1')).status).toBe(204);
      for (const path of ['/v1/devices/{tenantId}/{deviceId}', '/v1/credentials/{tenantId}/{deviceId}']) {
        const res = await admin().get(path.replace('{tenantId}', 'acme').replace('{deviceId}', 'sensor-1'));
        expect(res.status).toBe(404);
        expectDocumentedAnswer(document, find('get', path), res, generated);
      }
      const search = await admin().get('/v1/devices/acme');
      expect(search.status).toBe(404);
      expectDocumentedAnswer(document, find('get', '/v1/devices/{tenantId}'), search, generated);
    });

    it('400, 412 and 413 with the bodies the document shows', async () => {
      const invalidJson = await admin().post('/v1/tenants/acme', '{"ext":', { contentType: 'application/json' });
      expect(invalidJson.status).toBe(400);
      expectDocumentedAnswer(document, find('post', '/v1/tenants/{tenantId}'), invalidJson, generated);

      const badPageSize = await admin().get('/v1/tenants?pageSize=0');
      expect(badPageSize.status).toBe(400);
      expectDocumentedAnswer(document, find('get', '/v1/tenants'), badPageSize, generated);

      const stale = await admin().put('/v1/tenants/acme', {}, { headers: { 'if-match': '"stale"' } });
      expect(stale.status).toBe(412);
      expectDocumentedAnswer(document, find('put', '/v1/tenants/{tenantId}'), stale, generated);

      const tooLarge = await admin().put('/v1/tenants/acme', { ext: { padding: 'x'.repeat(20_000) } });
      expect(tooLarge.status).toBe(413);
      expectDocumentedAnswer(document, find('put', '/v1/tenants/{tenantId}'), tooLarge, generated);

      const gatewayWithVia = await admin().post('/v1/devices/acme', { memberOf: ['g'], via: ['gw'] });
      expect(gatewayWithVia.status).toBe(400);
      expectDocumentedAnswer(document, find('post', '/v1/devices/{tenantId}'), gatewayWithVia, generated);
    });

    it('403 for a right the credential lacks, and the /api 400s', async () => {
      const created = await admin().post('/api/token', { permit: 'auth' });
      expect(created.status).toBe(201);
      const readOnly = http(t.baseUrl, { authorization: `Bearer ${created.body.token}` });
      const forbidden = await readOnly.put('/v1/devices/acme/sensor-2', {});
      expect(forbidden.status).toBe(403);
      expectDocumentedAnswer(document, find('put', '/v1/devices/{tenantId}/{deviceId}'), forbidden, generated);

      expect((await admin().put('/v1/tenants/acme', { 'registration-limits': { 'max-devices': 1 } })).status).toBe(204);
      expect((await admin().post('/v1/devices/acme/sensor-1', {})).status).toBe(201);
      const limit = await admin().post('/v1/devices/acme/sensor-2', {});
      expect(limit.status).toBe(403);
      expectDocumentedAnswer(document, find('post', '/v1/devices/{tenantId}/{deviceId}'), limit, generated);

      const unknownRight = await admin().post('/api/token', { permit: 'auth,everything' });
      expect(unknownRight.status).toBe(400);
      expectDocumentedAnswer(document, find('post', '/api/token'), unknownRight, generated);

      const twice = await admin().post('/api/users', { username: 'bob', password: 'bob-password', tenants: [{ tenant: 'acme', access: 'read' }, { tenant: 'acme', access: 'write' }] });
      expect(twice.status).toBe(400);
      expectDocumentedAnswer(document, find('post', '/api/users'), twice, generated);
    });

    it('OCPI errors in the envelope, as documented', async () => {
      const invalidJson = await http(t.baseUrl).post('/ocpi/2.2.1/credentials', '{"token":', { contentType: 'application/json' });
      expect(invalidJson.status).toBe(400);
      expectDocumentedAnswer(document, find('post', '/ocpi/{version}/credentials'), invalidJson, generated);

      const unknownVersion = await http(t.baseUrl).get('/ocpi/1.9', { headers: { authorization: 'Token whatever' } });
      expect(unknownVersion.status).toBe(404);
      expectDocumentedAnswer(document, find('get', '/ocpi/{version}'), unknownVersion, generated);
    });
  });
});
