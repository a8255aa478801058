import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { HttpResponse } from './setup/http';

/** Shared by the tenant suites: assertions on Hono's wire format and certificates made with the openssl CLI. */
export const ETAG = /^"[^"]+"$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const JSON_UTF8 = 'application/json; charset=utf-8';

/** A Hono error: the status, JSON with charset, and {"error": "<text>"} (optionally matching `message`). */
export function expectError(res: HttpResponse, status: number, message?: RegExp): void {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.objectContaining({ error: expect.any(String) }) });
  expect(res.headers.get('content-type')).toBe(JSON_UTF8);
  if (message) expect(res.body.error).toMatch(message);
}

/** Everything the database holds about tenants, to show that a rejected request changed nothing. */
export async function tenantTables(db: Client): Promise<unknown> {
  const tenants = await db.query('SELECT id, alias, trust_anchor_group, body, version, updated FROM tenants ORDER BY id');
  const anchors = await db.query('SELECT tenant_id, subject_dn, trust_anchor_group FROM tenant_trust_anchors ORDER BY tenant_id, subject_dn');
  const devices = await db.query('SELECT tenant_id, id, version FROM devices ORDER BY tenant_id, id');
  return { tenants: tenants.rows, anchors: anchors.rows, devices: devices.rows };
}

export interface TestCertificate {
  /** Base64 of the DER certificate, as a client sends it in `cert`. */
  cert: string;
  /** Base64 of the DER SubjectPublicKeyInfo, as openssl prints it. */
  publicKey: string;
  notBefore: string;
  notAfter: string;
}

const secondPrecision = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A self-signed CA certificate made by `openssl req -x509`; `subject` in openssl's `/C=…/O=…/CN=…` form. */
export function makeCertificate(subject: string, key: 'rsa' | 'ec' = 'ec'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-cert-'));
  try {
    const certFile = join(dir, 'cert.der');
    const keyArgs = key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    execFileSync('openssl', ['req', '-x509', ...keyArgs, '-utf8', '-nodes', '-keyout', join(dir, 'key.pem'), '-outform', 'DER', '-out', certFile, '-subj', subject, '-days', '365'], {
      stdio: 'pipe',
    });
    const pem = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', certFile, '-pubkey', '-noout']).toString();
    const dates = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', certFile, '-noout', '-startdate', '-enddate']).toString();
    const date = (name: string) => secondPrecision(new Date(new RegExp(`${name}=(.*)`).exec(dates)![1].trim()));
    return {
      cert: readFileSync(certFile).toString('base64'),
      publicKey: pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
      notBefore: date('notBefore'),
      notAfter: date('notAfter'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Base64 DER SubjectPublicKeyInfo of a fresh key. */
export function makePublicKey(type: 'rsa' | 'ec'): string {
  const { publicKey } =
    type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}
