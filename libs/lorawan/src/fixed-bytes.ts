import type { ErrorFactory } from '@joinery/errors';
import { parseHex, reversed } from './hex.js';

/** Validates a byte array's type and length, then copies it so callers cannot mutate a value type afterwards. */
export function copyExact(bytes: Uint8Array, byteLength: number, invalid: ErrorFactory): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== byteLength) {
    throw invalid({
      reason: 'wrong_length',
      expectedBytes: byteLength,
      gotBytes: bytes instanceof Uint8Array ? bytes.length : -1,
    });
  }
  return Uint8Array.from(bytes);
}

/**
 * Shared storage of the identifier types (EUI64, NetID, DevAddr): big-endian inside, as displayed; `toWire()`
 * reverses to the little-endian air order.
 */
export abstract class BigEndianId {
  protected readonly be: Uint8Array;

  protected constructor(be: Uint8Array) {
    this.be = be;
  }

  protected static beFromHex(hex: string, byteLength: number, invalid: ErrorFactory): Uint8Array {
    return parseHex(hex, byteLength, invalid);
  }

  protected static beFromWire(wire: Uint8Array, byteLength: number, invalid: ErrorFactory): Uint8Array {
    return copyExact(wire, byteLength, invalid).reverse();
  }

  /** Big-endian (display order) copy. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.be);
  }

  /** Little-endian copy, as the field sits in a PHYPayload and in every MIC input and derivation block. */
  toWire(): Uint8Array {
    return reversed(this.be);
  }

  /** Upper-case big-endian hex, the form consoles and Backend Interfaces JSON use. */
  toString(): string {
    return Buffer.from(this.be).toString('hex').toUpperCase();
  }

  toJSON(): string {
    return this.toString();
  }

  protected sameBytes(other: BigEndianId): boolean {
    return other.constructor === this.constructor && Buffer.compare(other.be, this.be) === 0;
  }
}
