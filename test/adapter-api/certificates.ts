import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCertificate {
  /** Base64 DER of the CA certificate and of its public key (SubjectPublicKeyInfo). */
  caCert: string;
  caPublicKey: string;
  /** Base64 DER of a client certificate the CA signed. */
  clientCert: string;
}

/** A CA (`openssl req -x509`) and a client certificate it signed, subjects in openssl's `/O=…/CN=…` form. */
export function issueCertificate(caSubject: string, clientSubject: string): IssuedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'amqp-cert-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', caSubject, '-days', '30');
    openssl('req', '-new', ...ec, '-keyout', file('client.key'), '-out', file('client.csr'), '-subj', clientSubject);
    openssl('x509', '-req', '-in', file('client.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('client.pem'), '-days', '30');
    const der = (pem: string) => openssl('x509', '-in', file(pem), '-outform', 'DER').toString('base64');
    const publicKey = openssl('x509', '-in', file('ca.pem'), '-pubkey', '-noout').toString().replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    return { caCert: der('ca.pem'), caPublicKey: publicKey, clientCert: der('client.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
