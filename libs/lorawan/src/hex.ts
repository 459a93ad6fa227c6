import type { ErrorFactory } from '@joinery/errors';
import { lorawanErrors } from './errors.js';

const hexPattern = /^(?:0[xX])?([0-9a-fA-F]*)$/;

/**
 * Strict hex parsing: either case, optional `0x`, nothing else (no spaces, no separators). An empty string or a
 * wrong length is an error, never silently a zero value. `byteLength` undefined accepts any non-empty even length.
 */
export function parseHex(
  input: string,
  byteLength?: number,
  invalid: ErrorFactory = lorawanErrors.invalid_hex,
): Uint8Array {
  const match = typeof input === 'string' ? hexPattern.exec(input) : null;
  const digits = match?.[1];
  if (digits === undefined || digits.length === 0 || digits.length % 2 !== 0) {
    throw invalid({ reason: 'not_hex', expectedBytes: byteLength ?? -1 });
  }
  if (byteLength !== undefined && digits.length !== byteLength * 2) {
    throw invalid({ reason: 'wrong_length', expectedBytes: byteLength, gotChars: digits.length });
  }
  return new Uint8Array(Buffer.from(digits, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A reversed copy: LoRaWAN sends multi-octet fields little-endian, humans write them big-endian. */
export function reversed(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes).reverse();
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
