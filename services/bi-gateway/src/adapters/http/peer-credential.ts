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
 * The caller's credential as seen by the transport. A client certificate counts only when the TLS layer verified it
 * against Joinery's CA (`socket.authorized`); a bearer token is taken from `Authorization: Bearer …`. When both are
 * present the certificate wins, as it is the stronger proof.
 */
export function peerCredentialOf(headers: IncomingHttpHeaders, socket: unknown): PeerCredentialInput {
  const token = bearerToken(headers);
  const tls = socket as Partial<TLSSocket> | undefined;
  if (tls?.authorized === true && typeof tls.getPeerCertificate === 'function') {
    const cert = tls.getPeerCertificate();
    if (cert?.raw !== undefined) {
      const certFingerprint = new Uint8Array(createHash('sha256').update(cert.raw).digest());
      return token === undefined ? { certFingerprint } : { certFingerprint, bearerToken: token };
    }
  }
  return token === undefined ? {} : { bearerToken: token };
}
