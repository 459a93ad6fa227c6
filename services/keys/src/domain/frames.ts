import { JoineryError } from '@joinery/errors';
import {
  decodeJoinRequest as decodeJoinRequestPhy,
  decodeRejoinRequest as decodeRejoinRequestPhy,
} from '@joinery/lorawan';
import { keysErrors } from './errors.js';

/**
 * The uplink frames the join pipeline needs, decoded with libs/lorawan and reduced to plain bytes (EUIs in
 * big-endian display order) and numbers. Any codec failure becomes `keys:malformed_frame`, keeping the codec's
 * code as a detail.
 */
export interface JoinRequestFrame {
  readonly joinEui: Uint8Array;
  readonly devEui: Uint8Array;
  readonly devNonce: number;
}

export interface RejoinRequestFrame {
  readonly rejoinType: 0 | 1 | 2;
  /** Type 1 only. */
  readonly joinEui?: Uint8Array;
  readonly devEui: Uint8Array;
  /** RJcount0 (types 0/2) or RJcount1 (type 1). */
  readonly rjCount: number;
}

function malformed<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof JoineryError) throw keysErrors.malformed_frame({ reason: err.code }, undefined, err);
    throw err;
  }
}

export function decodeJoinRequest(phy: Uint8Array): JoinRequestFrame {
  const frame = malformed(() => decodeJoinRequestPhy(phy));
  return { joinEui: frame.joinEui.bytes(), devEui: frame.devEui.bytes(), devNonce: frame.devNonce.value };
}

export function decodeRejoinRequest(phy: Uint8Array): RejoinRequestFrame {
  const frame = malformed(() => decodeRejoinRequestPhy(phy));
  return frame.rejoinType === 1
    ? { rejoinType: 1, joinEui: frame.joinEui.bytes(), devEui: frame.devEui.bytes(), rjCount: frame.rjCount1 }
    : { rejoinType: frame.rejoinType, devEui: frame.devEui.bytes(), rjCount: frame.rjCount0 };
}
