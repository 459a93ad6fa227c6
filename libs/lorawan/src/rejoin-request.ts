import { concatBytes } from './bytes.js';
import { EUI64 } from './eui64.js';
import { lorawanErrors } from './errors.js';
import { checkMic } from './join-request.js';
import { MType, checkMhdr, mhdrFor } from './mhdr.js';
import { NetID } from './net-id.js';

/**
 * A LoRaWAN 1.1 rejoin-request (MHDR 0xC0). Types 0 and 2 carry NetID and RJcount0 and are MIC'd with SNwkSIntKey;
 * type 1 carries JoinEUI and RJcount1 and is MIC'd with JSIntKey.
 */
export type RejoinRequest =
  | { readonly rejoinType: 0 | 2; readonly netId: NetID; readonly devEui: EUI64; readonly rjCount0: number }
  | { readonly rejoinType: 1; readonly joinEui: EUI64; readonly devEui: EUI64; readonly rjCount1: number };

export type DecodedRejoinRequest = RejoinRequest & { readonly mic: Uint8Array };

/** PHYPayload lengths: 19 bytes for types 0/2, 24 bytes for type 1. */
export const rejoinRequestLength = { 0: 19, 1: 24, 2: 19 } as const;

function counterWire(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff)
    throw lorawanErrors.invalid_counter({ reason: 'out_of_range' });
  return Uint8Array.of(value & 0xff, value >>> 8);
}

/**
 * The rejoin MIC input: `MHDR | RejoinType | NetID | DevEUI | RJcount0` (15 bytes) for types 0/2, or
 * `MHDR | RejoinType | JoinEUI | DevEUI | RJcount1` (20 bytes) for type 1, wire order.
 */
export function rejoinMicInput(request: RejoinRequest): Uint8Array {
  if (request.rejoinType === 1) {
    return concatBytes(
      mhdrFor(MType.rejoinRequest),
      1,
      request.joinEui.toWire(),
      request.devEui.toWire(),
      counterWire(request.rjCount1),
    );
  }
  if (request.rejoinType !== 0 && request.rejoinType !== 2)
    throw lorawanErrors.invalid_rejoin_type({ rejoinType: String(request.rejoinType) });
  return concatBytes(
    mhdrFor(MType.rejoinRequest),
    request.rejoinType,
    request.netId.toWire(),
    request.devEui.toWire(),
    counterWire(request.rjCount0),
  );
}

export function encodeRejoinRequest(request: RejoinRequest, mic: Uint8Array): Uint8Array {
  checkMic(mic);
  return concatBytes(rejoinMicInput(request), mic);
}

export function decodeRejoinRequest(phyPayload: Uint8Array): DecodedRejoinRequest {
  checkMhdr(phyPayload[0], MType.rejoinRequest);
  const rejoinType = phyPayload[1];
  if (rejoinType !== 0 && rejoinType !== 1 && rejoinType !== 2) {
    if (rejoinType === undefined) throw lorawanErrors.invalid_length({ got: phyPayload.length });
    throw lorawanErrors.invalid_rejoin_type({ rejoinType });
  }
  const expected = rejoinRequestLength[rejoinType];
  if (phyPayload.length !== expected)
    throw lorawanErrors.invalid_length({ expected, got: phyPayload.length });
  const counterAt = (at: number) => (phyPayload[at] as number) | ((phyPayload[at + 1] as number) << 8);
  const mic = phyPayload.slice(expected - 4);
  if (rejoinType === 1) {
    return {
      rejoinType,
      joinEui: EUI64.fromWire(phyPayload.subarray(2, 10)),
      devEui: EUI64.fromWire(phyPayload.subarray(10, 18)),
      rjCount1: counterAt(18),
      mic,
    };
  }
  return {
    rejoinType,
    netId: NetID.fromWire(phyPayload.subarray(2, 5)),
    devEui: EUI64.fromWire(phyPayload.subarray(5, 13)),
    rjCount0: counterAt(13),
    mic,
  };
}
