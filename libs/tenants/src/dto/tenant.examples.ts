/**
 * Request examples of the tenant routes, as Swagger UI offers them. Executed in order on a fresh server
 * (create with id, create with a generated id, replace) each succeeds: test/openapi-examples.spec.ts runs them.
 * The tenant is `acme`, the id every other example uses.
 */
const ACME_CA = {
  'subject-dn': 'CN=ACME Devices CA,O=ACME',
  'public-key': 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaLPW5Ni0xOnAcEkMSBqhWlOrJL0TP53zMG66+3DtUMoEzgknfyR2K+gBHXRUTKuRl6N/k4Zxn6vkBWtwnLkemA==',
  algorithm: 'EC',
  'not-before': '2026-01-01T00:00:00Z',
  'not-after': '2036-01-01T00:00:00Z',
  'auth-id-template': 'CN={{subject-cn}},OU=iot,O=ACME',
};

export const TENANT_EXAMPLES = {
  createWithId: {
    acme: {
      summary: 'a tenant with an adapter, limits and a trusted CA',
      value: {
        enabled: true,
        alias: 'acme-corp',
        ext: { owner: 'ops@acme.example', region: 'eu-west' },
        adapters: [{ type: 'hono-mqtt', enabled: true }],
        'registration-limits': { 'max-devices': 100, 'max-credentials-per-device': 10 },
        'trusted-ca': [ACME_CA],
      },
    },
  },
  createWithGeneratedId: {
    region: { summary: 'the registry picks the id', value: { ext: { owner: 'ops@globex.example', region: 'eu-north' } } },
  },
  update: {
    acme: {
      summary: 'replace everything: what is not sent is gone',
      value: {
        enabled: true,
        alias: 'acme-corp',
        ext: { owner: 'noc@acme.example', region: 'eu-west' },
        'registration-limits': { 'max-devices': 100, 'max-credentials-per-device': 10 },
        'trusted-ca': [ACME_CA],
      },
    },
  },
};
