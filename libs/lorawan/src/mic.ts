import type { AES128Key } from './aes128-key.js';
import { cmacMic } from './aes-cmac.js';
import type { DevNonce } from './dev-nonce.js';
import type { EUI64 } from './eui64.js';
import { bytesEqual } from './hex.js';
import {
  type JoinAcceptFields,
  type JoinReqType,
  joinAcceptMicInput10,
  joinAcceptMicInput11,
} from './join-accept.js';
import { type JoinRequest, decodeJoinRequest, joinRequestMicInput } from './join-request.js';
import { type RejoinRequest, decodeRejoinRequest, rejoinMicInput } from './rejoin-request.js';

/** Join-request MIC under AppKey (1.0.x) or NwkKey (1.1, also when a 1.1 device joins as 1.0). */
export function joinRequestMic(key: AES128Key, request: JoinRequest): Uint8Array {
  return cmacMic(key, joinRequestMicInput(request));
}

/**
 * Decodes a join-request PHYPayload (typed errors for a malformed frame) and checks its MIC in constant time.
 * False means the MIC does not match.
 */
export function verifyJoinRequestMic(key: AES128Key, phyPayload: Uint8Array): boolean {
  const decoded = decodeJoinRequest(phyPayload);
  return bytesEqual(cmacMic(key, phyPayload.subarray(0, 19)), decoded.mic);
}

/** Rejoin-request MIC: SNwkSIntKey for types 0/2, JSIntKey for type 1. */
export function rejoinMic(key: AES128Key, request: RejoinRequest): Uint8Array {
  return cmacMic(key, rejoinMicInput(request));
}

export function verifyRejoinMic(key: AES128Key, phyPayload: Uint8Array): boolean {
  const decoded = decodeRejoinRequest(phyPayload);
  return bytesEqual(cmacMic(key, phyPayload.subarray(0, phyPayload.length - 4)), decoded.mic);
}

/** OptNeg = 0 join-accept MIC under AppKey (1.0.x) or NwkKey (1.1 device answered as 1.0). */
export function joinAcceptMic10(key: AES128Key, fields: JoinAcceptFields): Uint8Array {
  return cmacMic(key, joinAcceptMicInput10(fields));
}

/** OptNeg = 1 join-accept MIC under JSIntKey; `devNonce` is RJcount0/1 when answering a rejoin. */
export function joinAcceptMic11(
  jsIntKey: AES128Key,
  joinReqType: JoinReqType,
  joinEui: EUI64,
  devNonce: DevNonce,
  fields: JoinAcceptFields,
): Uint8Array {
  return cmacMic(jsIntKey, joinAcceptMicInput11(joinReqType, joinEui, devNonce, fields));
}
