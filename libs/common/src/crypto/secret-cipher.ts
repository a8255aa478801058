import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a key derived from SECRET_KEY by HKDF-SHA256 (one key per purpose, named by `info`).
 * A sealed value is `v1.<Base64 of iv ‖ tag ‖ ciphertext>`; the associated data binds it to its place
 * (a row's id), so a ciphertext copied into another row does not open there. Shared by every library
 * that keeps secrets at rest (peer tokens; the same format as the PSK keys of libs/credentials).
 */
export class SecretCipher {
  private readonly key: Buffer;

  constructor(secretKey: string, info: string) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), Buffer.alloc(0), Buffer.from(info, 'utf8'), 32));
  }

  seal(plaintext: Buffer, associatedData: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
  }

  /** Throws when the value was not sealed with this key and associated data. */
  open(sealed: string, associatedData: string): Buffer {
    const [version, payload] = sealed.split('.', 2);
    if (version !== VERSION || payload === undefined) throw new Error('not a sealed value');
    const bytes = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  }

  sealText(plaintext: string, associatedData: string): string {
    return this.seal(Buffer.from(plaintext, 'utf8'), associatedData);
  }

  openText(sealed: string, associatedData: string): string {
    return this.open(sealed, associatedData).toString('utf8');
  }
}
