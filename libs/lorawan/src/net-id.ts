import { lorawanErrors } from './errors.js';
import { BigEndianId, copyExact } from './fixed-bytes.js';

/** NwkID length in bits per NetID type (LoRaWAN Backend Interfaces 1.0 §13 / RP002): the DevAddr prefix after the type bits. */
export const nwkIdBitsByType: readonly number[] = [6, 6, 9, 11, 12, 13, 15, 17];

/** Width of the NetID's ID field per type: types 0/1 use 6 bits, type 2 uses 9 bits, types 3–7 use all 21 bits. */
const idBitsByType: readonly number[] = [6, 6, 9, 21, 21, 21, 21, 21];

/** A 24-bit NetID. Big-endian inside (`000013`), little-endian on the air and in the 1.0 derivation blocks. */
export class NetID extends BigEndianId {
  static readonly byteLength = 3;

  static parse(hex: string): NetID {
    return new NetID(BigEndianId.beFromHex(hex, 3, lorawanErrors.invalid_net_id));
  }

  static fromBytes(be: Uint8Array): NetID {
    return new NetID(copyExact(be, 3, lorawanErrors.invalid_net_id));
  }

  static fromWire(wire: Uint8Array): NetID {
    return new NetID(BigEndianId.beFromWire(wire, 3, lorawanErrors.invalid_net_id));
  }

  /** From the 24-bit integer value (`0x000013`). */
  static of(value: number): NetID {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffff)
      throw lorawanErrors.invalid_net_id({ reason: 'out_of_range' });
    return new NetID(Uint8Array.of(value >>> 16, (value >>> 8) & 0xff, value & 0xff));
  }

  /** The 24-bit integer value. */
  get value(): number {
    return ((this.be[0] as number) << 16) | ((this.be[1] as number) << 8) | (this.be[2] as number);
  }

  /** NetID type, the 3 most significant bits. */
  get type(): number {
    return this.value >>> 21;
  }

  /** The ID field (6, 9 or 21 bits depending on the type). */
  get id(): number {
    return this.value & ((1 << (idBitsByType[this.type] as number)) - 1);
  }

  /** The NwkID that DevAddrs of this network carry: the least significant NwkID-length bits of the ID. */
  get nwkId(): number {
    return this.id & ((1 << (nwkIdBitsByType[this.type] as number)) - 1);
  }

  equals(other: NetID): boolean {
    return this.sameBytes(other);
  }
}
