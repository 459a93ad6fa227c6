import { createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import type { CaRecord } from '../../domain/model.js';
import type { CertificateAuthority, ClaimsStore, IssuedCertificate } from '../../domain/ports.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 24 * 60 * 60 * 1000;

function toPem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label);
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return toPem(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function fingerprint(cert: x509.X509Certificate): string {
  return createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
}

/** Creates a new ECDSA P-256 CA (self-signed, 20 years). */
export async function generateCa(now = new Date()): Promise<CaRecord> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: ['Joinery CA'] }, { O: ['Joinery'] }],
      keys,
      notBefore: new Date(now.getTime() - day),
      notAfter: new Date(now.getTime() + 20 * 365 * day),
      signingAlgorithm: ecdsa,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * Joinery's certificate authority. Its key lives in the claims store (created on first start; the first writer
 * wins when several instances start at once). Client certificates carry the peer's identity in the subject
 * (NS: CN=<NetID>, OU=<NSID>; AS: CN=<AS-ID>, OU=as); authentication is by the certificate's SHA-256 fingerprint,
 * recorded at issue time, so a certificate can be revoked individually.
 */
export class X509CertificateAuthority implements CertificateAuthority {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly key: CryptoKey,
    private readonly certPem: string,
  ) {}

  static async open(store: ClaimsStore): Promise<X509CertificateAuthority> {
    const ca = (await store.getCa()) ?? (await store.ensureCa(await generateCa()));
    const cert = new x509.X509Certificate(ca.certPem);
    const key = await crypto.subtle.importKey(
      'pkcs8',
      x509.PemConverter.decodeFirst(ca.keyPem),
      ecdsa,
      false,
      ['sign'],
    );
    return new X509CertificateAuthority(cert, key, ca.certPem);
  }

  caCertPem(): string {
    return this.certPem;
  }

  private async issue(
    subject: x509.JsonName,
    extensions: x509.Extension[],
    validityDays: number,
  ): Promise<IssuedCertificate> {
    const keys = await newKeyPair();
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create(
      {
        subject,
        issuer: this.cert.subject,
        publicKey: keys.publicKey,
        signingKey: this.key,
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + validityDays * day),
        signingAlgorithm: ecdsa,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          await x509.AuthorityKeyIdentifierExtension.create(this.cert, false, crypto),
          ...extensions,
        ],
      },
      crypto,
    );
    return {
      certPem: cert.toString('pem'),
      keyPem: await privateKeyPem(keys.privateKey),
      fingerprintSha256: fingerprint(cert),
    };
  }

  async issueClientCertificate(subject: {
    readonly commonName: string;
    readonly organizationalUnit?: string;
  }): Promise<IssuedCertificate> {
    const name: x509.JsonName = [{ CN: [subject.commonName] }];
    if (subject.organizationalUnit !== undefined) name.push({ OU: [subject.organizationalUnit] });
    name.push({ O: ['Joinery peers'] });
    return this.issue(
      name,
      [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
      2 * 365,
    );
  }

  async issueServerCertificate(hostnames: readonly string[]): Promise<IssuedCertificate> {
    const names = hostnames.length > 0 ? hostnames : ['localhost', '127.0.0.1'];
    const san = new x509.SubjectAlternativeNameExtension(
      names.map((h) => ({ type: isIP(h) === 0 ? ('dns' as const) : ('ip' as const), value: h })),
    );
    return this.issue(
      [{ CN: [names[0] ?? 'localhost'] }, { O: ['Joinery'] }],
      // clientAuth too: the gateway presents the same certificate when it POSTs asynchronous answers to an NS.
      [
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        san,
      ],
      365,
    );
  }
}
