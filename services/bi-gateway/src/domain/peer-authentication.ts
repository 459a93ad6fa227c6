import { bytesToHex, type BiRequest } from '@joinery/backend-interfaces';
import { JoineryError } from '@joinery/errors';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { PeerKind, type PeerCredentialSchema, type PeerIdentity } from '@joinery/proto/claims/v1/claims_pb';
import { gatewayErrors } from './errors.js';
import { ExpiringCache } from './expiring-cache.js';
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

/** Authenticates the caller of a BI request and binds it to the message's SenderID. */
export class PeerAuthentication {
  readonly #claims: ClaimsClient;
  readonly #budget: RequestBudget;
  /**
   * Who a credential belongs to, remembered for a short time so that a busy NS is not authenticated by claims twice
   * per join (the gateway asks `AuthenticatePeer` to tell UnknownSender from UnknownDevEUI, and claims authenticates
   * again inside `Authorize`). Safe to cache: every activation is still authorized by claims with the credential, so
   * a revoked credential is refused at once; the handler drops the entry on such a refusal and asks again, so even
   * the result code stays the one an uncached lookup gives. Only successful lookups are kept.
   */
  readonly #peers: ExpiringCache<PeerIdentity>;

  constructor(options: {
    claims: ClaimsClient;
    budget: RequestBudget;
    /** How long an authenticated credential is remembered; 0: asked every time. */
    cacheMs: number;
    now: () => number;
  }) {
    this.#claims = options.claims;
    this.#budget = options.budget;
    this.#peers = new ExpiringCache({ ttlMs: options.cacheMs, now: options.now });
  }

  /** The authenticated peer, whose registered identity must match SenderID (and SenderNSID under BI 1.1). */
  async authenticate(
    credential: PeerCredentialInput,
    message: BiRequest,
    deadline: number,
  ): Promise<PeerIdentity> {
    if (credential.certFingerprint === undefined && credential.bearerToken === undefined)
      throw gatewayErrors.unauthenticated();
    const cacheKey = credentialKey(credential);
    let peer = this.#peers.get(cacheKey);
    if (peer === undefined) {
      ({ peer } = await this.#claims.authenticatePeer(
        { credential: credentialOf(credential) },
        this.#budget.timeout(deadline),
      ));
      if (peer === undefined) throw gatewayErrors.unauthenticated();
      this.#peers.set(cacheKey, peer);
    }
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

  /**
   * A claims refusal for a peer taken from the cache may mean its credential was revoked meanwhile: forget it and
   * authenticate again, so the answer is UnknownSender exactly as without the cache.
   */
  async recheckSender(
    message: BiRequest,
    credential: PeerCredentialInput,
    deadline: number,
    err: unknown,
  ): Promise<unknown> {
    if (!JoineryError.is(err, 'claims:not_authorized') || !this.#peers.delete(credentialKey(credential)))
      return err;
    try {
      await this.authenticate(credential, message, deadline);
      return err;
    } catch (authErr) {
      return authErr;
    }
  }
}
