/**
 * Request examples of the device routes, as Swagger UI offers them: in tenant `acme` (the tenant examples
 * create it), executed in order on a fresh server each succeeds (test/openapi-examples.spec.ts).
 */
export const DEVICE_EXAMPLES = {
  createWithId: {
    sensor: {
      summary: 'a device behind a gateway',
      value: { enabled: true, via: ['gateway-1'], defaults: { 'content-type': 'application/json' }, ext: { brand: 'acme-thermo', floor: 3 } },
    },
  },
  createWithGeneratedId: {
    gateway: { summary: 'a gateway (member of a gateway group); the registry picks the id', value: { memberOf: ['floor-gateways'], ext: { brand: 'acme-gw' } } },
    plain: { summary: 'the registry picks the id', value: { ext: { brand: 'acme-hygro', floor: 4 } } },
  },
  update: {
    sensor: {
      summary: 'replace everything but the status: what is not sent is gone',
      value: { enabled: true, via: ['gateway-1'], ext: { brand: 'acme-thermo', floor: 5 } },
    },
  },
};
