import { X509Certificate } from 'node:crypto';
import { DER_TAG, DerElement, DerError, readChildren, readSingleDer } from './der';
import { distinguishedNameFromDer, DistinguishedNameError } from './distinguished-name';

/** What the registry keeps of an uploaded X.509 certificate. */
export interface CertificateSummary {
  /** RFC 2253, as Hono renders it. */
  subjectDn: string;
  /** The issuer's DN, rendered the same way. */
  issuerDn: string;
  /** Base64 of the DER SubjectPublicKeyInfo. */
  publicKey: string;
  /** Java's name for the key algorithm: RSA, EC, … */
  algorithm: string;
  notBefore: Date;
  notAfter: Date;
}

export class CertificateError extends Error {}

/** node's key types → the algorithm names Java (and so Hono) reports. */
const JAVA_KEY_ALGORITHMS: Record<string, string> = {
  rsa: 'RSA',
  'rsa-pss': 'RSASSA-PSS',
  ec: 'EC',
  dsa: 'DSA',
  ed25519: 'EdDSA',
  ed448: 'EdDSA',
  x25519: 'XDH',
  x448: 'XDH',
};

function timeOf(element: DerElement): Date {
  const text = element.content.toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (element.tag === DER_TAG.UTC_TIME && (match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(match[1]) >= 50 ? 1900 + Number(match[1]) : 2000 + Number(match[1]);
  } else if (element.tag === DER_TAG.GENERALIZED_TIME && (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text))) {
    year = Number(match[1]);
  } else {
    throw new DerError('malformed validity time');
  }
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

/**
 * Parses a DER (or PEM) certificate (node checks it is one) and reads subject and validity from its
 * tbsCertificate directly, so the subject DN comes out exactly as Java would print it.
 */
export function summarizeCertificate(der: Buffer): CertificateSummary {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    throw new CertificateError('not a DER-encoded X.509 certificate');
  }
  try {
    // `raw` is the DER even when PEM was given (Java's CertificateFactory reads both, so Hono does)
    const [tbs] = readChildren(readSingleDer(certificate.raw));
    if (!tbs || tbs.tag !== DER_TAG.SEQUENCE) throw new DerError('malformed tbsCertificate');
    const fields = readChildren(tbs);
    const first = fields[0]?.tag === 0xa0 ? 1 : 0;
    const issuer = fields[first + 2];
    const validity = fields[first + 3];
    const subject = fields[first + 4];
    if (!issuer || !validity || !subject || validity.tag !== DER_TAG.SEQUENCE) throw new DerError('malformed tbsCertificate');
    const [notBefore, notAfter] = readChildren(validity).map(timeOf);
    if (!notBefore || !notAfter) throw new DerError('malformed validity');
    const keyType = certificate.publicKey.asymmetricKeyType ?? '';
    return {
      subjectDn: distinguishedNameFromDer(subject),
      issuerDn: distinguishedNameFromDer(issuer),
      publicKey: certificate.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      algorithm: JAVA_KEY_ALGORITHMS[keyType] ?? keyType.toUpperCase(),
      notBefore,
      notAfter,
    };
  } catch (error) {
    if (error instanceof DerError || error instanceof DistinguishedNameError) {
      throw new CertificateError(`malformed certificate: ${error.message}`);
    }
    // e.g. a public key algorithm OpenSSL cannot load
    throw new CertificateError('unsupported certificate');
  }
}
