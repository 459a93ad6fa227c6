import { lorawanErrors } from './errors.js';
import { BigEndianId, copyExact } from './fixed-bytes.js';
import { type NetID, nwkIdBitsByType } from './net-id.js';

/**
 * A 32-bit DevAddr. Big-endian inside (`26011F2A`), little-endian on the air. Its leading bits encode the NetID
 * type (type N = N ones then a zero), followed by the NwkID and the NwkAddr.
 */
export class DevAddr extends BigEndianId {
  static readonly byteLength = 4;

  static parse(hex: string): DevAddr {
    return new DevAddr(BigEndianId.beFromHex(hex, 4, lorawanErrors.invalid_dev_addr));
  }

  static fromBytes(be: Uint8Array): DevAddr {
    return new DevAddr(copyExact(be, 4, lorawanErrors.invalid_dev_addr));
  }

  static fromWire(wire: Uint8Array): DevAddr {
    return new DevAddr(BigEndianId.beFromWire(wire, 4, lorawanErrors.invalid_dev_addr));
  }

  static of(value: number): DevAddr {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw lorawanErrors.invalid_dev_addr({ reason: 'out_of_range' });
    return new DevAddr(
      Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff),
    );
  }

  /** Builds the DevAddr a network with this NetID assigns: type prefix | NwkID | nwkAddr. */
  static forNetId(netId: NetID, nwkAddr: number): DevAddr {
    const type = netId.type;
    const prefixBits = type + 1;
    const nwkIdBits = nwkIdBitsByType[type] as number;
    const nwkAddrBits = 32 - prefixBits - nwkIdBits;
    if (!Number.isInteger(nwkAddr) || nwkAddr < 0 || nwkAddr >= 2 ** nwkAddrBits) {
      throw lorawanErrors.invalid_dev_addr({ reason: 'nwk_addr_out_of_range', nwkAddrBits });
    }
    const prefix = (0xfe << (7 - type)) & 0xff;
    return DevAddr.of((prefix * 2 ** 24 + netId.nwkId * 2 ** nwkAddrBits + nwkAddr) >>> 0);
  }

  get value(): number {
    return Buffer.from(this.be).readUInt32BE(0);
  }

  /** The NetID type encoded in the prefix, or undefined for 0xFF… addresses (no valid type). */
  get netIdType(): number | undefined {
    const first = this.be[0] as number;
    for (let type = 0; type < 8; type++) if ((first & (0x80 >>> type)) === 0) return type;
    return undefined;
  }

  /** The NwkID bits after the type prefix, or undefined when there is no valid type. */
  get nwkId(): number | undefined {
    const type = this.netIdType;
    if (type === undefined) return undefined;
    const nwkIdBits = nwkIdBitsByType[type] as number;
    const nwkAddrBits = 32 - (type + 1) - nwkIdBits;
    return Math.floor(this.value / 2 ** nwkAddrBits) & ((1 << nwkIdBits) - 1);
  }

  /** The NwkAddr bits (the device part), or undefined when there is no valid type. */
  get nwkAddr(): number | undefined {
    const type = this.netIdType;
    if (type === undefined) return undefined;
    const nwkAddrBits = 32 - (type + 1) - (nwkIdBitsByType[type] as number);
    return this.value % 2 ** nwkAddrBits;
  }

  /** Whether this address lies in the range of the given NetID (same type and NwkID). */
  belongsTo(netId: NetID): boolean {
    return this.netIdType === netId.type && this.nwkId === netId.nwkId;
  }

  equals(other: DevAddr): boolean {
    return this.sameBytes(other);
  }
}
