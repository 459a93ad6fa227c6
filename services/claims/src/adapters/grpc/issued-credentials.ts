import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ClientCredentialsSchema, PeerSchema } from '@joinery/proto/claims/v1/claims_pb';
import type { PeerRecord } from '../../domain/model.js';
import type { IssuedPeerCredentials, RegistrationWarning } from '../../domain/peers.js';
import { peerToProto } from './mapping.js';

/** The bearer token and certificates issued to a peer, as every RPC that returns them spells them. */
export function issuedCredentialsToProto(c: IssuedPeerCredentials): {
  bearerToken: string;
  credentials: MessageInitShape<typeof ClientCredentialsSchema>;
} {
  return {
    bearerToken: c.bearerToken,
    credentials: { caCertPem: c.caCertPem, clientCertPem: c.clientCertPem, clientKeyPem: c.clientKeyPem },
  };
}

/** A peer with the KEK and credentials issued to it this once (registration, rotation). */
export function issuedPeerToProto(r: {
  readonly peer: PeerRecord;
  readonly kek: { readonly label: string; readonly key: Uint8Array };
  readonly credentials: IssuedPeerCredentials;
}): {
  peer: MessageInitShape<typeof PeerSchema>;
  kek: { label: string; key: Uint8Array };
  bearerToken: string;
  credentials: MessageInitShape<typeof ClientCredentialsSchema>;
} {
  return {
    peer: peerToProto(r.peer),
    kek: { label: r.kek.label, key: r.kek.key },
    ...issuedCredentialsToProto(r.credentials),
  };
}

export function warningsToProto(
  warnings: readonly RegistrationWarning[],
): { code: string; message: string }[] {
  return warnings.map((w) => ({ code: w.code, message: w.message }));
}
