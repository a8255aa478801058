/** The HKDF `info` of the key that encrypts PSK keys (with SecretCipher from @app/common). */
export const PSK_KEY_INFO = 'device-registry psk keys v1';

/** What a PSK key is bound to: its tenant and its secret id. */
export const pskAssociatedData = (tenantId: string, secretId: string): string => `psk\u0000${tenantId}\u0000${secretId}`;
