import { lorawanErrors } from './errors.js';
import { BigEndianId, copyExact } from './fixed-bytes.js';

/** An EUI-64 (DevEUI, JoinEUI). Held big-endian as displayed; `toWire()` gives the little-endian air order. */
export class EUI64 extends BigEndianId {
  static readonly byteLength = 8;

  /** `0102030405060708`, either case, optional `0x`; empty or any other length throws `lorawan:invalid_eui`. */
  static parse(hex: string): EUI64 {
    return new EUI64(BigEndianId.beFromHex(hex, 8, lorawanErrors.invalid_eui));
  }

  /** From 8 bytes in big-endian display order (as the keys service and BI JSON hold them). */
  static fromBytes(be: Uint8Array): EUI64 {
    return new EUI64(copyExact(be, 8, lorawanErrors.invalid_eui));
  }

  /** From 8 bytes in little-endian air order. */
  static fromWire(wire: Uint8Array): EUI64 {
    return new EUI64(BigEndianId.beFromWire(wire, 8, lorawanErrors.invalid_eui));
  }

  equals(other: EUI64): boolean {
    return this.sameBytes(other);
  }
}
