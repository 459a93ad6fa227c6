import { macVersionNamed } from '@joinery/lorawan';
import type { MacVersion } from './model.js';

const hexRe = /^[0-9a-fA-F]*$/;

/** Parses hex with an optional `0x` prefix and exactly `bytes` bytes into upper-case hex, or returns null. */
export function normalizeHex(value: string, bytes: number): string | null {
  const v = value.trim().replace(/^0x/i, '').replace(/[-:]/g, '');
  if (v.length !== bytes * 2 || !hexRe.test(v)) return null;
  return v.toUpperCase();
}

export const normalizeEui = (value: string): string | null => normalizeHex(value, 8);

/** A join event id a device's activation record can hold: 1–128 printable ASCII characters, no spaces. */
export const isStorableEventId = (id: string): boolean => /^[\x21-\x7e]{1,128}$/.test(id);

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** Lenient MAC version parsing: "1.0.3", or an alias of `macVersionFacts` ("1.0" = 1.0.0, "1.1.0" = 1.1). */
export function parseMacVersion(value: string): MacVersion | null {
  return macVersionNamed(value.trim()) ?? null;
}

export { isLoRaWAN11 } from '@joinery/lorawan';
