import { lorawanErrors } from './errors.js';
import { copyExact } from './fixed-bytes.js';
import { parseHex } from './hex.js';

/** The 24-bit JoinNonce (AppNonce in LoRaWAN ≤ 1.0.3): a JS counter in 1.0.4/1.1. */
export class JoinNonce {
  static readonly byteLength = 3;
  readonly value: number;

  private constructor(value: number) {
    this.value = value;
  }

  static of(value: number): JoinNonce {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffff)
      throw lorawanErrors.invalid_join_nonce({ reason: 'out_of_range' });
    return new JoinNonce(value);
  }

  /** Big-endian hex (`010000` is 65536). */
  static parse(hex: string): JoinNonce {
    const be = parseHex(hex, 3, lorawanErrors.invalid_join_nonce);
    return new JoinNonce(((be[0] as number) << 16) | ((be[1] as number) << 8) | (be[2] as number));
  }

  /** From the 3 little-endian air bytes. */
  static fromWire(wire: Uint8Array): JoinNonce {
    const le = copyExact(wire, 3, lorawanErrors.invalid_join_nonce);
    return new JoinNonce((le[0] as number) | ((le[1] as number) << 8) | ((le[2] as number) << 16));
  }

  toWire(): Uint8Array {
    return Uint8Array.of(this.value & 0xff, (this.value >>> 8) & 0xff, this.value >>> 16);
  }

  toString(): string {
    return this.value.toString(16).toUpperCase().padStart(6, '0');
  }

  toJSON(): number {
    return this.value;
  }

  equals(other: JoinNonce): boolean {
    return other instanceof JoinNonce && other.value === this.value;
  }
}
