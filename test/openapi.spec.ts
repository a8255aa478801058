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
});
