import { bytesToHex, type BiRequest } from '@joinery/backend-interfaces';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { PeerKind, type PeerCredentialSchema, type PeerIdentity } from '@joinery/proto/claims/v1/claims_pb';
import { gatewayErrors } from './errors.js';
import type { ClaimsClient, PeerCredentialInput } from './ports.js';
import type { RequestBudget } from './request-budget.js';

export function credentialOf(input: PeerCredentialInput): MessageInitShape<typeof PeerCredentialSchema> {
  if (input.certFingerprint !== undefined)
    return { credential: { case: 'certFingerprintSha256', value: input.certFingerprint } };
  if (input.bearerToken !== undefined)
    return { credential: { case: 'bearerToken', value: input.bearerToken } };
  return {};
}

export function credentialKey(input: PeerCredentialInput): string {
  if (input.certFingerprint !== undefined) return `cert:${bytesToHex(input.certFingerprint)}`;
  return `token:${input.bearerToken ?? ''}`;
}

/**
 * Authenticates the caller of a HomeNSReq or AppSKeyReq and binds it to the message's SenderID. JoinReq and RejoinReq
 * need no separate authentication: claims' Authorize authenticates the caller in the same round trip
 * (`Activation`).
 */
export class PeerAuthentication {
  readonly #claims: ClaimsClient;
  readonly #budget: RequestBudget;

  constructor(options: { claims: ClaimsClient; budget: RequestBudget }) {
    this.#claims = options.claims;
    this.#budget = options.budget;
  }

  /** The authenticated peer, whose registered identity must match SenderID (and SenderNSID under BI 1.1). */
  async authenticate(
    credential: PeerCredentialInput,
    message: BiRequest,
    deadline: number,
  ): Promise<PeerIdentity> {
    if (credential.certFingerprint === undefined && credential.bearerToken === undefined)
      throw gatewayErrors.unauthenticated();
    const { peer } = await this.#claims.authenticatePeer(
      { credential: credentialOf(credential) },
      this.#budget.timeout(deadline),
    );
    if (peer === undefined) throw gatewayErrors.unauthenticated();
    if (message.messageType === 'AppSKeyReq') {
      if (peer.kind !== PeerKind.APPLICATION_SERVER || peer.asId !== message.senderId)
        throw gatewayErrors.unknown_sender({ sender_id: message.senderId });
      return peer;
    }
    if (peer.kind !== PeerKind.NETWORK_SERVER || bytesToHex(peer.netId) !== message.senderId)
      throw gatewayErrors.unknown_sender({ sender_id: message.senderId });
    // Under BI 1.1 the SenderNSID must be the registered NSID; TTS does not check this (lorawan-stack#4741), we do.
    if (
      message.protocolVersion === '1.1' &&
      peer.nsId.length > 0 &&
      message.senderNsId !== bytesToHex(peer.nsId)
    )
      throw gatewayErrors.unknown_sender({ sender_id: message.senderId });
    return peer;
  }
}
