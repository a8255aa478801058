import { hash } from 'bcrypt';
import { execFileSync } from 'node:child_process';
import { createDecipheriv, createHash, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Http } from './setup/http';
import { TEST_SECRET_KEY } from './setup/test-app';

/** A self-signed certificate made by the openssl CLI: Base64 DER, as Hono's `cert` properties take it. */
export function selfSignedCertificate(subject: string, options: { days?: number; key?: 'ec' | 'rsa' } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cert-'));
  try {
    const keyArgs = options.key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    execFileSync('openssl', [
      'req', '-x509', ...keyArgs, '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.der'), '-outform', 'DER',
      '-subj', subject, '-days', String(options.days ?? 30),
    ], { stdio: 'ignore' });
    return readFileSync(join(dir, 'cert.der')).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh EC P-256 public key: Base64 DER SubjectPublicKeyInfo. */
export function ecPublicKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function rsaPublicKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

/** A bcrypt hash as Hono's Spring encoder writes it ($2a$). */
export async function bcryptHash(password: string, cost = 4, prefix: '2a' | '2b' | '2y' = '2a'): Promise<string> {
  return (await hash(password, cost)).replace(/^\$2b\$/, `$${prefix}$`);
}

/** Hono's SHA password hash: Base64(SHA-xxx(salt ‖ password)). */
export function shaHash(fn: 'sha-256' | 'sha-512', password: string, salt?: Buffer): string {
  const digest = createHash(fn === 'sha-256' ? 'sha256' : 'sha512');
  if (salt) digest.update(salt);
  return digest.update(password, 'utf8').digest('base64');
}

export const randomSalt = () => randomBytes(16);

/** Opens a sealed PSK key the way the registry seals it (HKDF-SHA256 of SECRET_KEY, AES-256-GCM, bound to tenant and secret id). */
export function openPskKey(sealed: string, tenantId: string, secretId: string): Buffer {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(TEST_SECRET_KEY), Buffer.alloc(0), Buffer.from('device-registry psk keys v1'), 32));
  const bytes = Buffer.from(sealed.replace(/^v1\./, ''), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(`psk\u0000${tenantId}\u0000${secretId}`));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
}

let counter = 0;

/** A new tenant and a device in it, through the API. */
export async function newDevice(api: Http, tenantBody: object = {}): Promise<{ tenant: string; device: string }> {
  const tenant = `tenant-${process.pid}-${++counter}`;
  const device = `device-${counter}`;
  const t = await api.post(`/v1/tenants/${tenant}`, tenantBody);
  if (t.status !== 201) throw new Error(`tenant create: ${t.status} ${t.text}`);
  const d = await api.post(`/v1/devices/${tenant}/${device}`, {});
  if (d.status !== 201) throw new Error(`device create: ${d.status} ${d.text}`);
  return { tenant, device };
}

export async function addDevice(api: Http, tenant: string, device: string): Promise<void> {
  const d = await api.post(`/v1/devices/${tenant}/${device}`, {});
  if (d.status !== 201) throw new Error(`device create: ${d.status} ${d.text}`);
}

export const pwdPlain = (authId: string, password: string, secret: object = {}) => ({
  type: 'hashed-password',
  'auth-id': authId,
  secrets: [{ 'pwd-plain': password, ...secret }],
});

export const psk = (authId: string, key: string, extra: object = {}) => ({
  type: 'psk',
  'auth-id': authId,
  secrets: [{ key: Buffer.from(key, 'utf8').toString('base64') }],
  ...extra,
});
