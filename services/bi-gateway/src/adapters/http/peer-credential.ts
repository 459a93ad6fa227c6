import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { PeerCredentialInput } from '../../domain/ports.js';

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/**
 * Fingerprints of verified client certificates per connection. The certificate of a connection cannot change: the
 * HTTPS listener refuses renegotiation (`SSL_OP_NO_RENEGOTIATION`), and TLS 1.3 has none. `getPeerCertificate()` builds
 * a large object on every call; an NS sends thousands of requests over one connection.
 */
const fingerprints = new WeakMap<object, Uint8Array | null>();

function certFingerprintOf(tls: Partial<TLSSocket>): Uint8Array | undefined {
  const known = fingerprints.get(tls);
  if (known !== undefined) return known ?? undefined;
  const raw = tls.getPeerCertificate?.()?.raw;
  const fingerprint = raw === undefined ? null : new Uint8Array(createHash('sha256').update(raw).digest());
  fingerprints.set(tls, fingerprint);
  return fingerprint ?? undefined;
}

/**
 * The caller's credential as seen by the transport. A client certificate counts only when the TLS layer verified it
 * against Joinery's CA (`socket.authorized`); a bearer token is taken from `Authorization: Bearer …`. When both are
 * present the certificate wins, as it is the stronger proof.
 */
export function peerCredentialOf(headers: IncomingHttpHeaders, socket: unknown): PeerCredentialInput {
  const token = bearerToken(headers);
  const tls = socket as Partial<TLSSocket> | undefined;
  if (tls?.authorized === true && typeof tls.getPeerCertificate === 'function') {
    const certFingerprint = certFingerprintOf(tls);
    if (certFingerprint !== undefined)
      return token === undefined ? { certFingerprint } : { certFingerprint, bearerToken: token };
  }
  return token === undefined ? {} : { bearerToken: token };
}
