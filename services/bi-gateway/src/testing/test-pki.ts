// A throwaway PKI for the TLS tests of the HTTP edge and the async sender: a self-signed CA and leaf certificates it
// issues, on P-256 keys made by WebCrypto.
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const day = 86_400_000;

export interface TestCa {
  readonly cert: x509.X509Certificate;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly pem: string;
}

export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** SHA-256 of the DER certificate, hex: what the edge hands the handler as the credential. */
  readonly fingerprint: string;
}

const keyPair = () => crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);

/** A CA valid from a day ago for 30 days. */
export async function testCa(name: string): Promise<TestCa> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${name}`,
      keys,
      notBefore: new Date(Date.now() - day),
      notAfter: new Date(Date.now() + 30 * day),
      signingAlgorithm: ecdsa,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    },
    crypto,
  );
  return { cert, keys, pem: cert.toString('pem') };
}

/** A leaf certificate of `ca` for `subject`, valid over `validity` (ms since the epoch), with `extensions`. */
export async function issueTestCertificate(
  ca: TestCa,
  subject: string,
  validity: { from: number; to: number },
  extensions: x509.Extension[],
): Promise<TestCertificate> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: Date.now().toString(16) + Math.floor(Math.random() * 1e6).toString(16),
      subject,
      issuer: ca.cert.subject,
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      notBefore: new Date(validity.from),
      notAfter: new Date(validity.to),
      signingAlgorithm: ecdsa,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
    },
    crypto,
  );
  return {
    certPem: cert.toString('pem'),
    keyPem: x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    fingerprint: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
  };
}
