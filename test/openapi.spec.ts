import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from './setup/http';
import { startTestApp, TestApp } from './setup/test-app';

const COMMITTED = join(__dirname, '..', 'openapi.json');

/**
 * The OpenAPI document is committed (openapi.json) so clients and reviewers see API changes in diffs.
 * `npm run openapi` rewrites it; this test fails when the code and the committed document drift apart.
 */
describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: Record<string, any>;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await http(t.baseUrl).get('/api/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(COMMITTED, `${JSON.stringify(document, null, 2)}\n`);
  });
  afterAll(() => t.close());

  it('matches the committed openapi.json (run `npm run openapi` after changing the API)', () => {
    const committed = JSON.parse(readFileSync(COMMITTED, 'utf8'));
    expect(document).toEqual(committed);
  });

  it('describes every route of the three surfaces', () => {
    const paths = Object.keys(document.paths);
    for (const path of [
      '/v1/tenants',
      '/v1/tenants/{tenantId}',
      '/v1/devices/{tenantId}',
      '/v1/devices/{tenantId}/{deviceId}',
      '/v1/credentials/{tenantId}/{deviceId}',
      '/v1/authenticate/{tenantId}',
      '/api/cookie',
      '/api/token',
      '/api/token/{token}',
      '/api/me',
      '/api/users',
      '/api/users/{username}',
      '/api/peers',
      '/api/peers/register',
      '/api/peers/{id}',
      '/api/peers/{id}/update',
      '/ocpi/versions',
      '/ocpi/{version}',
      '/ocpi/{version}/credentials',
      '/health',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('declares the security schemes and uses them', () => {
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['basic', 'bearer', 'cookie', 'ocpi-token', 'url-password', 'url-username']);
    // the URL way is one requirement of both parameters, so Swagger UI sends username and password together
    expect(document.paths['/v1/devices/{tenantId}/{deviceId}'].get.security).toEqual(
      expect.arrayContaining([{ basic: [] }, { bearer: [] }, { cookie: [] }, { 'url-username': [], 'url-password': [] }]),
    );
    expect(document.components.securitySchemes['url-username']).toMatchObject({ type: 'apiKey', in: 'query', name: 'username' });
    expect(document.components.securitySchemes['url-password']).toMatchObject({ type: 'apiKey', in: 'query', name: 'password' });
    // API tokens are opaque, not JWTs
    expect(document.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(document.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
    expect(document.paths['/ocpi/{version}/credentials'].post.security).toEqual([{ 'ocpi-token': [] }]);
    expect(document.paths['/health'].get.security ?? []).toEqual([]);
  });

  it('describes error bodies in each surface\'s format', () => {
    expect(document.components.schemas.HonoError).toBeDefined();
    expect(document.components.schemas.OcpiError).toBeDefined();
    const put = document.paths['/v1/devices/{tenantId}/{deviceId}'].put.responses;
    for (const status of ['400', '401', '403', '404', '412']) {
      expect(put[status].content['application/json'].schema.$ref).toBe('#/components/schemas/HonoError');
    }
  });

  it('gives every response with a body a schema (only 204 has none)', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<Record<string, any>>(item)) {
        for (const [status, response] of Object.entries<Record<string, any>>(operation.responses)) {
          const schemas = Object.values<Record<string, unknown>>(response.content ?? {}).map((media) => media.schema);
          if (status === '204' ? schemas.length > 0 : schemas.length === 0 || schemas.some((schema) => schema === undefined)) {
            missing.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('shows each error status with its own real message, not one example for all', () => {
    const examples = (path: string, method: string) =>
      Object.fromEntries(
        Object.entries<Record<string, any>>(document.paths[path][method].responses)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, response]) => [status, Object.values<Record<string, any>>(response.content)[0].example]),
      );
    const device = examples('/v1/devices/{tenantId}/{deviceId}', 'put');
    expect(device['401']).toEqual({ error: 'authentication required' });
    expect(device['404']).toEqual({ error: 'device sensor-1 of tenant acme not found' });
    expect(device['412']).toEqual({ error: 'resource version does not match If-Match' });
    expect(new Set(Object.values(device).map((example) => JSON.stringify(example))).size).toBe(Object.keys(device).length);
    const users = examples('/api/users', 'post');
    expect(users['401']).toBe('Authentication failed\n');
    expect(users['409']).toEqual({ error: 'user alice exists' });
    expect(users['429']).toEqual({ error: 'too many failed attempts, try again later' });
    expect(users['400']).not.toEqual(users['409']);
    expect(examples('/ocpi/{version}/credentials', 'put')['405']).toMatchObject({ status_code: 2000, status_message: 'not registered: register with POST first' });
  });

  it('gives each credential type its own schema and its own example', () => {
    const schemas = document.components.schemas;
    expect(
      ['PasswordCredentialDto', 'PskCredentialDto', 'X509CertificateCredentialDto', 'RpkCredentialDto', 'GenericCredentialDto'].map((name) => schemas[name].properties.type.example),
    ).toEqual(['hashed-password', 'psk', 'x509-cert', 'rpk', 'api-key']);
    const examples = document.paths['/v1/credentials/{tenantId}/{deviceId}'].put.requestBody.content['application/json'].examples;
    const typesOf = (name: string) => examples[name].value.map((credential: { type: string }) => credential.type);
    expect(typesOf(Object.keys(examples)[0])).toEqual(['hashed-password', 'psk', 'x509-cert', 'rpk', 'api-key']);
    for (const type of ['hashed-password', 'psk', 'x509-cert', 'rpk']) expect(typesOf(type)).toEqual([type]);
  });

  it('lets Swagger UI mark its requests and keep nothing it was told', async () => {
    const init = await http(t.baseUrl).get('/api/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain("request.headers['X-Requested-With'] = 'XMLHttpRequest'");
    expect(init.text).toMatch(/"persistAuthorization": false/);
  });
});
