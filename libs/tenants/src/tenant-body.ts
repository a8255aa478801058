import {
  badRequest,
  CertificateError,
  checkPublicKey,
  checkValidityPeriod,
  DistinguishedNameError,
  formatTimestamp,
  identityTemplateProblem,
  normalizeDistinguishedName,
  summarizeCertificate,
  SIGNING_KEY_TYPES,
} from '@app/common';
import { randomUUID } from 'node:crypto';

/** What the repository writes for one tenant: the JSON to keep and the columns derived from it. */
export interface StorableTenant {
  body: Record<string, unknown>;
  alias: string | null;
  /** Null when absent or empty: an empty group groups nothing. */
  trustAnchorGroup: string | null;
  /** The distinct subject DNs of the trusted CAs, for the cross-tenant uniqueness rule. */
  subjectDns: string[];
}

type Json = Record<string, unknown>;

/**
 * A subject DN is a key of the trust anchor index (a b-tree, whose entries must stay well under
 * PostgreSQL's ~2.7 kB): real CA names are far shorter.
 */
const MAX_SUBJECT_DN_BYTES = 1024;

function checkAdapters(adapters: unknown): void {
  if (!Array.isArray(adapters)) return;
  const seen = new Set<string>();
  for (const adapter of adapters as Json[]) {
    const type = adapter.type as string;
    if (seen.has(type)) throw badRequest(`adapters: type "${type}" is configured more than once`);
    seen.add(type);
  }
}

function checkTemplate(ca: Json, field: string, where: string): void {
  const template = ca[field];
  if (template === undefined) return;
  const problem = identityTemplateProblem(template as string);
  if (problem) throw badRequest(`${where}.${field} ${problem}`);
}

/** A trust anchor's subject DN in RFC 2253 normal form; a 400 when it is no DN (unlike a credential's auth-id). */
function checkedSubjectDn(dn: string, where: string): string {
  let normalized: string;
  try {
    normalized = normalizeDistinguishedName(dn);
  } catch (error) {
    if (error instanceof DistinguishedNameError) throw badRequest(`${where}.subject-dn is not an RFC 2253 distinguished name: ${error.message}`);
    throw error;
  }
  if (Buffer.byteLength(normalized) > MAX_SUBJECT_DN_BYTES) throw badRequest(`${where}.subject-dn is too long`);
  return normalized;
}

/**
 * One trusted CA as stored. From `cert` the subject DN, key, algorithm and validity are taken (and the
 * certificate itself is dropped, as Hono does); otherwise the four explicit fields are required.
 */
function storableTrustedCa(input: Json, where: string): Json {
  const ca: Json = { ...input };
  if (ca['ocsp-revocation-enabled'] === true && ca.cert === undefined && ca['ocsp-responder-cert'] === undefined) {
    throw badRequest(`${where}: OCSP revocation checks need cert or ocsp-responder-cert`);
  }
  if (ca.cert !== undefined) {
    let summary;
    try {
      summary = summarizeCertificate(Buffer.from(ca.cert as string, 'base64'));
    } catch (error) {
      if (error instanceof CertificateError) throw badRequest(`${where}.cert: ${error.message}`);
      throw error;
    }
    if (summary.subjectDn === '') throw badRequest(`${where}.cert: the certificate has an empty subject`);
    if (Buffer.byteLength(summary.subjectDn) > MAX_SUBJECT_DN_BYTES) throw badRequest(`${where}.cert: subject DN is too long`);
    if (ca['subject-dn'] !== undefined) checkedSubjectDn(ca['subject-dn'] as string, where);
    delete ca.cert;
    delete ca['subject-dn-bytes'];
    Object.assign(ca, {
      'subject-dn': summary.subjectDn,
      'public-key': summary.publicKey,
      algorithm: summary.algorithm,
      'not-before': formatTimestamp(summary.notBefore),
      'not-after': formatTimestamp(summary.notAfter),
    });
  } else {
    const missing = ['subject-dn', 'public-key', 'not-before', 'not-after'].filter((field) => ca[field] === undefined);
    if (missing.length > 0) throw badRequest(`${where} needs cert, or ${missing.join(', ')}`);
    ca['subject-dn'] = checkedSubjectDn(ca['subject-dn'] as string, where);
    checkPublicKey(ca['public-key'] as string, (ca.algorithm as string | undefined) ?? 'RSA', SIGNING_KEY_TYPES, where, 'public-key');
    checkValidityPeriod(ca, where);
  }
  checkTemplate(ca, 'auth-id-template', where);
  checkTemplate(ca, 'auto-provisioning-device-id-template', where);
  ca.id ??= randomUUID();
  return ca;
}

/**
 * The stored form of a tenant body that passed the body pipe (so a single trusted CA is already a
 * one-element list, by the DTO's transform): the seed's `limits` becomes `resource-limits`, trusted CAs
 * get ids and normalised subject DNs. Everything else is kept as the client sent it (no defaults are
 * materialised).
 */
export function storableTenant(input: Json): StorableTenant {
  const body: Json = { ...input };
  if (body.limits !== undefined) {
    if (body['resource-limits'] !== undefined) throw badRequest('limits and resource-limits must not both be given');
    body['resource-limits'] = body.limits;
    delete body.limits;
  }
  checkAdapters(body.adapters);
  const subjectDns = new Set<string>();
  if (body['trusted-ca'] !== undefined) {
    const cas = (body['trusted-ca'] as Json[]).map((ca, index) => storableTrustedCa(ca, `trusted-ca[${index}]`));
    const ids = new Set<string>();
    for (const ca of cas) {
      if (ids.has(ca.id as string)) throw badRequest(`trusted-ca: id "${ca.id}" is used more than once`);
      ids.add(ca.id as string);
      subjectDns.add(ca['subject-dn'] as string);
    }
    body['trusted-ca'] = cas;
  }
  const group = body['trust-anchor-group'] as string | undefined;
  return {
    body,
    alias: (body.alias as string | undefined) ?? null,
    trustAnchorGroup: group === undefined || group === '' ? null : group,
    subjectDns: [...subjectDns],
  };
}
