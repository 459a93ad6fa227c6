import { concatBytes } from './bytes.js';
import { DevNonce } from './dev-nonce.js';
import { EUI64 } from './eui64.js';
import { lorawanErrors } from './errors.js';
import { MType, checkMhdr, mhdrFor } from './mhdr.js';

/** The fields of a join-request (MHDR 0x00). */
export interface JoinRequest {
  readonly joinEui: EUI64;
  readonly devEui: EUI64;
  readonly devNonce: DevNonce;
}

/** A decoded join-request with its MIC as received. */
export interface DecodedJoinRequest extends JoinRequest {
  readonly mic: Uint8Array;
}

export const joinRequestLength = 23;

/** The join-request MIC input: `MHDR | JoinEUI | DevEUI | DevNonce` (19 bytes, wire order); CMAC key AppKey (1.0) / NwkKey (1.1). */
export function joinRequestMicInput(request: JoinRequest): Uint8Array {
  return concatBytes(
    mhdrFor(MType.joinRequest),
    request.joinEui.toWire(),
    request.devEui.toWire(),
    request.devNonce.toWire(),
  );
}

export function checkMic(mic: Uint8Array): void {
  if (!(mic instanceof Uint8Array) || mic.length !== 4)
    throw lorawanErrors.invalid_mic({ gotBytes: mic instanceof Uint8Array ? mic.length : -1 });
}

/** The 23-byte PHYPayload: MIC input followed by the 4-byte MIC. */
export function encodeJoinRequest(request: JoinRequest, mic: Uint8Array): Uint8Array {
  checkMic(mic);
  return concatBytes(joinRequestMicInput(request), mic);
}

export function decodeJoinRequest(phyPayload: Uint8Array): DecodedJoinRequest {
  checkMhdr(phyPayload[0], MType.joinRequest);
  if (phyPayload.length !== joinRequestLength)
    throw lorawanErrors.invalid_length({ expected: joinRequestLength, got: phyPayload.length });
  return {
    joinEui: EUI64.fromWire(phyPayload.subarray(1, 9)),
    devEui: EUI64.fromWire(phyPayload.subarray(9, 17)),
    devNonce: DevNonce.fromWire(phyPayload.subarray(17, 19)),
    mic: phyPayload.slice(19, 23),
  };
}
