import { lorawanErrors } from './errors.js';
import { copyExact } from './fixed-bytes.js';
import { parseHex } from './hex.js';

/**
 * The 16-bit DevNonce of a join-request. Also carries RJcount0/RJcount1 where a rejoin answer puts them in the
 * DevNonce slot of the join-accept MIC and the 1.1 session-key blocks.
 */
export class DevNonce {
  static readonly byteLength = 2;
  readonly value: number;

  private constructor(value: number) {
    this.value = value;
  }

  static of(value: number): DevNonce {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff)
      throw lorawanErrors.invalid_dev_nonce({ reason: 'out_of_range' });
    return new DevNonce(value);
  }

  /** Big-endian hex (`0102` is 258). */
  static parse(hex: string): DevNonce {
    const be = parseHex(hex, 2, lorawanErrors.invalid_dev_nonce);
    return new DevNonce(((be[0] as number) << 8) | (be[1] as number));
  }

  /** From the 2 little-endian air bytes. */
  static fromWire(wire: Uint8Array): DevNonce {
    const le = copyExact(wire, 2, lorawanErrors.invalid_dev_nonce);
    return new DevNonce((le[0] as number) | ((le[1] as number) << 8));
  }

  toWire(): Uint8Array {
    return Uint8Array.of(this.value & 0xff, this.value >>> 8);
  }

  toString(): string {
    return this.value.toString(16).toUpperCase().padStart(4, '0');
  }

  toJSON(): number {
    return this.value;
  }

  equals(other: DevNonce): boolean {
    return other instanceof DevNonce && other.value === this.value;
  }
}
