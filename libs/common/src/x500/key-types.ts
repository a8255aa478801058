/** Key `algorithm` names as Java's KeyFactory takes them (any case) → node's key types, for keys that sign. */
export const SIGNING_KEY_TYPES: Readonly<Record<string, string[]>> = {
  RSA: ['rsa'],
  EC: ['ec'],
  'RSASSA-PSS': ['rsa-pss'],
  DSA: ['dsa'],
  EDDSA: ['ed25519', 'ed448'],
  ED25519: ['ed25519'],
  ED448: ['ed448'],
};

/** The same plus key-agreement keys (a device's raw public key may be either). */
export const KEY_TYPES: Readonly<Record<string, string[]>> = {
  ...SIGNING_KEY_TYPES,
  XDH: ['x25519', 'x448'],
  X25519: ['x25519'],
  X448: ['x448'],
};
