const hexDigits = /^[0-9a-fA-F]+$/;

/**
 * Lenient hex in (BI10 Table 14: optional `0x`, either case), one canonical form out: upper-case, no prefix.
 * Returns undefined for anything that is not a non-empty, even-length hex string.
 */
export function normalizeHex(value: string): string | undefined {
  const digits = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (digits.length === 0 || digits.length % 2 !== 0 || !hexDigits.test(digits)) return undefined;
  return digits.toUpperCase();
}

/** Bytes of a canonical hex string (as returned by `normalizeHex`). */
export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Upper-case hex, the case this package emits in every answer (spec digest §2.2: accepted by TTS and ChirpStack). */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}
