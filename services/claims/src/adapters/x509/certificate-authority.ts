import { createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { claimsErrors } from '../../domain/errors.js';
import type { CaRecord } from '../../domain/model.js';
import type { CertificateAuthority, ClaimsStore, IssuedCertificate } from '../../domain/ports.js';
import type { CaKeySeal } from './ca-key-seal.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 24 * 60 * 60 * 1000;

/**
 * Every PEM Joinery hands out ends with a newline: ChirpStack reads `tls_cert` and `tls_key` into one buffer, and a
 * certificate whose END line runs into the key's BEGIN line leaves it with "private key or certificate not found".
 */
function terminatedPem(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

function toPem(der: ArrayBuffer, label: string): string {
  return terminatedPem(x509.PemConverter.encode(der, label));
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

function fingerprintOfPem(certPem: string): string {
  return fingerprint(new x509.X509Certificate(certPem));
}

/**
 * Whether a receiver could read this common name as a JoinEUI: ChirpStack v3 accepts an asynchronous answer when the
 * client certificate's CN equals its SenderID, and parses SenderIDs as hex with an optional `0x` (separators, as some
 * tools print EUIs, are stripped here too). Such names belong to Joinery's own answers, never to a peer.
 */
export function readsAsEui64(commonName: string): boolean {
  return /^(0x)?[0-9a-f]{16}$/i.test(commonName.replace(/[\s:.-]/g, ''));
}

/** A new CA: its certificate and its PKCS#8 DER private key (the caller seals it and zeroes it). */
export interface GeneratedCa {
  readonly certPem: string;
  readonly pkcs8: Uint8Array;
}

/** Creates a new ECDSA P-256 CA (self-signed, 20 years). */
export async function generateCa(now = new Date()): Promise<GeneratedCa> {
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
  return {
    certPem: terminatedPem(cert.toString('pem')),
    pkcs8: new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

/** The record the store keeps: the certificate, and the key sealed next to it. */
export function sealCaRecord(ca: GeneratedCa, seal: CaKeySeal): CaRecord {
  return { certPem: ca.certPem, keySealed: seal.seal(ca.pkcs8, fingerprintOfPem(ca.certPem)) };
}

/** How `open` found the CA: made now, or read from the store. */
export type CaOrigin = 'created' | 'stored';

/**
 * Joinery's certificate authority. Its key lives in the claims store, sealed under the claims seal key (created on
 * first start; the first writer wins when several instances start at once). Client certificates carry the peer's identity in the
 * subject (NS: CN=<NetID>, OU=<NSID>; AS: CN=as:<AS-ID>, OU=as; O=Joinery peers); authentication is by the
 * certificate's SHA-256 fingerprint, recorded at issue time, so a certificate can be revoked individually. A CN that
 * reads as a JoinEUI is only ever Joinery's own (asynchronous answers: CN=<JoinEUI>, OU=join-server, O=Joinery).
 */
export class X509CertificateAuthority implements CertificateAuthority {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly key: CryptoKey,
    private readonly certPem: string,
    readonly origin: CaOrigin,
  ) {}

  /** SHA-256 of the CA certificate (DER), lower-case hex. */
  get fingerprintSha256(): string {
    return fingerprint(this.cert);
  }

  /** Throws `claims:ca_unseal_failed` when the stored key does not open with `seal`; the store is left as it is. */
  static async open(store: ClaimsStore, seal: CaKeySeal): Promise<X509CertificateAuthority> {
    let origin: CaOrigin = 'stored';
    let stored = await store.getCa();
    if (stored === undefined) {
      const generated = await generateCa();
      const candidate = sealCaRecord(generated, seal);
      generated.pkcs8.fill(0);
      stored = await store.ensureCa(candidate);
      if (stored.certPem === candidate.certPem) origin = 'created';
    }
    const cert = new x509.X509Certificate(stored.certPem);
    const pkcs8 = seal.unseal(stored.keySealed, fingerprint(cert));
    try {
      const key = await crypto.subtle.importKey('pkcs8', pkcs8, ecdsa, false, ['sign']);
      return new X509CertificateAuthority(cert, key, stored.certPem, origin);
    } finally {
      pkcs8.fill(0);
    }
  }

  /** Records written before PEMs were newline-terminated are read as they are and terminated here. */
  caCertPem(): string {
    return terminatedPem(this.certPem);
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
      certPem: terminatedPem(cert.toString('pem')),
      keyPem: await privateKeyPem(keys.privateKey),
      fingerprintSha256: fingerprint(cert),
    };
  }

  async issueClientCertificate(subject: {
    readonly commonName: string;
    readonly organizationalUnit?: string;
  }): Promise<IssuedCertificate> {
    if (readsAsEui64(subject.commonName))
      throw claimsErrors.invalid_argument({
        field: 'common_name',
        reason: 'reserved for Joinery’s own JoinEUI certificates',
      });
    const name: x509.JsonName = [{ CN: [subject.commonName] }];
    if (subject.organizationalUnit !== undefined) name.push({ OU: [subject.organizationalUnit] });
    name.push({ O: ['Joinery peers'] });
    return this.issue(
      name,
      [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
      2 * 365,
    );
  }

  async issueJoinServerClientCertificate(joinEui: string): Promise<IssuedCertificate> {
    return this.issue(
      [{ CN: [joinEui] }, { OU: ['join-server'] }, { O: ['Joinery'] }],
      [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
      365,
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
