import { keysErrors } from './errors.js';

/**
 * Decoding of the uplink frames the join pipeline needs (LoRaWAN 1.1 §6.2.4, §6.2.4.2). Multi-byte fields are
 * little-endian on the wire; EUIs are returned in big-endian display order.
 *
 *   join-request (23 bytes):   MHDR 0x00 | JoinEUI(8) | DevEUI(8) | DevNonce(2) | MIC(4)
 *   rejoin type 0/2 (19 bytes): MHDR 0xC0 | type(1) | NetID(3) | DevEUI(8) | RJcount0(2) | MIC(4)
 *   rejoin type 1 (24 bytes):   MHDR 0xC0 | type(1) | JoinEUI(8) | DevEUI(8) | RJcount1(2) | MIC(4)
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
  /** Types 0/2 only. */
  readonly netId?: Uint8Array;
  readonly devEui: Uint8Array;
  /** RJcount0 (types 0/2) or RJcount1 (type 1). */
  readonly rjCount: number;
}

const reversed = (bytes: Uint8Array): Uint8Array => Uint8Array.from(bytes).reverse();
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);

export function decodeJoinRequest(phy: Uint8Array): JoinRequestFrame {
  if (phy.length !== 23) throw keysErrors.malformed_frame({ reason: 'length', length: phy.length });
  if (phy[0] !== 0x00) throw keysErrors.malformed_frame({ reason: 'mhdr', mhdr: phy[0] ?? 0 });
  return { joinEui: reversed(phy.subarray(1, 9)), devEui: reversed(phy.subarray(9, 17)), devNonce: u16le(phy, 17) };
}

export function decodeRejoinRequest(phy: Uint8Array): RejoinRequestFrame {
  if (phy[0] !== 0xc0) throw keysErrors.malformed_frame({ reason: 'mhdr', mhdr: phy[0] ?? 0 });
  const type = phy[1];
  if (type === 0 || type === 2) {
    if (phy.length !== 19) throw keysErrors.malformed_frame({ reason: 'length', length: phy.length });
    return { rejoinType: type, netId: reversed(phy.subarray(2, 5)), devEui: reversed(phy.subarray(5, 13)), rjCount: u16le(phy, 13) };
  }
  if (type === 1) {
    if (phy.length !== 24) throw keysErrors.malformed_frame({ reason: 'length', length: phy.length });
    return { rejoinType: 1, joinEui: reversed(phy.subarray(2, 10)), devEui: reversed(phy.subarray(10, 18)), rjCount: u16le(phy, 18) };
  }
  throw keysErrors.malformed_frame({ reason: 'rejoin_type', type: type ?? -1 });
}
