/**
 * Request examples of PUT /v1/credentials, one per credential type and all of them together (the default),
 * for device `sensor-1` of tenant `acme` (the device examples create it). Each replaces the whole set and
 * succeeds on a fresh server (test/openapi-examples.spec.ts); the authenticate examples check the default's.
 */
export const DEVICE_PASSWORD = 'my-device-password';

const PASSWORD = { type: 'hashed-password', 'auth-id': 'sensor-1', secrets: [{ 'pwd-plain': DEVICE_PASSWORD, 'not-after': '2036-01-01T00:00:00Z' }] };
const PSK = { type: 'psk', 'auth-id': 'sensor-1-psk', secrets: [{ key: 'c0tTEo7MxZBNHTZpfjxM+A==' }] };
const X509 = { type: 'x509-cert', 'auth-id': 'CN=sensor-1,OU=iot,O=ACME', secrets: [{ comment: 'validity of the client certificate, if wanted' }] };
const RPK = {
  type: 'rpk',
  'auth-id': 'sensor-1-rpk',
  secrets: [{ algorithm: 'EC', key: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQD7kgPxSvr1IBEWMUe0TSmV4jTLWxv/3Df9OgQBL9rniAACgLsOyvn2pIrlC0uKsG2h9zxDpUiMjHwmsuFvpyA==' }],
};
const OTHER = { type: 'api-key', 'auth-id': 'sensor-1-key', comment: 'any other type: its secrets are stored as given', secrets: [{ 'key-id': 'k-1', scope: 'telemetry' }] };

export const CREDENTIAL_EXAMPLES = {
  'every type': { summary: 'one credential of each type', value: [PASSWORD, PSK, X509, RPK, OTHER] },
  'hashed-password': { summary: 'a password, hashed by the registry (pwd-plain is never stored or returned)', value: [PASSWORD] },
  psk: { summary: 'a pre-shared key (Base64), encrypted at rest', value: [PSK] },
  'x509-cert': { summary: 'the subject DN of a client certificate', value: [X509] },
  rpk: { summary: 'a raw public key (Base64 DER SubjectPublicKeyInfo)', value: [RPK] },
  'other type': { summary: 'a type of your own', value: [OTHER] },
};

export const AUTHENTICATION_EXAMPLES = {
  'hashed-password': { summary: "a device's password", value: { type: 'hashed-password', 'auth-id': 'sensor-1', password: DEVICE_PASSWORD } },
  'x509-cert': { summary: 'a client certificate the adapter has verified, by subject DN', value: { type: 'x509-cert', 'auth-id': 'CN=sensor-1,OU=iot,O=ACME' } },
};
