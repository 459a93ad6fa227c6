import type { PeerCredentialRecord, PeerRecord } from './model.js';

/** Whether the owner revoked the peer (DELETE): every credential is refused and the API shows it no more. */
export const isRevokedPeer = (peer: PeerRecord): boolean =>
  peer.revokedAt !== undefined && peer.revokedAt !== null;

/** A credential works while it is not revoked and, after a rotation, until its overlap ends. */
export function isActiveCredential(credential: PeerCredentialRecord, now: Date): boolean {
  if (credential.revoked) return false;
  const until = credential.expiresAt;
  return until === undefined || until === null || now.getTime() < Date.parse(until);
}

/** The KEK label for answers to a caller that authenticated with `credential` (its own, else the peer's current). */
export const kekLabelOf = (peer: PeerRecord, credential: PeerCredentialRecord): string =>
  credential.kekLabel ?? peer.kekLabel;

/**
 * The KEK label for a party that is not the caller (the device's AS, whose AppSKey travels in the NS's JoinAns):
 * during a rotation's overlap the previous one, which the party still holds for sure (its old credentials still
 * work, so it may not have installed the new bundle yet); the current one after.
 */
export function kekLabelForThirdParty(peer: PeerRecord, now: Date): string {
  const until = peer.overlapUntil;
  if (peer.previousKekLabel && until && now.getTime() < Date.parse(until)) return peer.previousKekLabel;
  return peer.kekLabel;
}
