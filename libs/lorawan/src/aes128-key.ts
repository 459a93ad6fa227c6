import { randomBytes, timingSafeEqual } from 'node:crypto';
import { lorawanErrors } from './errors.js';
import { copyExact } from './fixed-bytes.js';
import { parseHex, toHex } from './hex.js';

const redacted = 'AES128Key(<redacted>)';
// The well-known symbol behind `util.inspect.custom`, so this codec library needs no `node:util` import.
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * A 16-byte AES key (root, session or KEK). It never prints itself: `toString()`, `toJSON()` and `util.inspect`
 * all give `AES128Key(<redacted>)`, so a key that ends up in a log line or a JSON body leaks nothing. The bytes
 * come out only through the explicit `bytes()` / `toHex()`. Keys have no byte order: `toWire()` is `bytes()`.
 */
export class AES128Key {
  static readonly byteLength = 16;
  readonly #bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  static parse(hex: string): AES128Key {
    return new AES128Key(parseHex(hex, 16, lorawanErrors.invalid_key));
  }

  static fromBytes(bytes: Uint8Array): AES128Key {
    return new AES128Key(copyExact(bytes, 16, lorawanErrors.invalid_key));
  }

  static fromWire(bytes: Uint8Array): AES128Key {
    return AES128Key.fromBytes(bytes);
  }

  /** A fresh random key from the CSPRNG. */
  static generate(): AES128Key {
    return new AES128Key(new Uint8Array(randomBytes(16)));
  }

  /** A copy of the raw key bytes. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  toWire(): Uint8Array {
    return this.bytes();
  }

  /** Lower-case hex of the key; explicit and rare (BI plaintext envelopes, tests). */
  toHex(): string {
    return toHex(this.#bytes);
  }

  toString(): string {
    return redacted;
  }

  toJSON(): string {
    return redacted;
  }

  [inspectCustom](): string {
    return redacted;
  }

  /** Constant-time comparison. */
  equals(other: AES128Key): boolean {
    return other instanceof AES128Key && timingSafeEqual(other.#bytes, this.#bytes);
  }
}
