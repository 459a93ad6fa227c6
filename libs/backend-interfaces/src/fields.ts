import type { ErrorFactory } from '@joinery/errors';
import { biErrors } from './errors.js';
import { hexToBytes, normalizeHex } from './hex.js';

/** A JSON object as parsed by `JSON.parse`. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Why a field was refused; carried in `details.reason` of the error. */
export type FieldProblem =
  | 'missing'
  | 'not_object'
  | 'not_string'
  | 'empty'
  | 'not_hex'
  | 'wrong_length'
  | 'not_integer'
  | 'out_of_range'
  | 'unsupported'
  | 'not_allowed'
  | 'mismatch'
  | 'wrong_message_type';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fieldError(
  field: string,
  reason: FieldProblem,
  factory: ErrorFactory = biErrors.malformed_message,
): never {
  throw factory({ field, reason });
}

/** A mandatory, non-empty string. */
export function readString(obj: JsonObject, field: string): string {
  const value = obj[field];
  if (value === undefined || value === null) return fieldError(field, 'missing');
  if (typeof value !== 'string') return fieldError(field, 'not_string');
  if (value.length === 0) return fieldError(field, 'empty');
  return value;
}

/** An optional string: absent, `null` and `""` all mean "not given" (lenient in). */
export function readOptionalString(obj: JsonObject, field: string): string | undefined {
  const value = obj[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return fieldError(field, 'not_string');
  return value;
}

function checkHex(field: string, value: string, bytes?: number | readonly number[]): string {
  const hex = normalizeHex(value);
  if (hex === undefined) return fieldError(field, 'not_hex');
  if (bytes !== undefined) {
    const allowed = typeof bytes === 'number' ? [bytes] : bytes;
    if (!allowed.includes(hex.length / 2)) return fieldError(field, 'wrong_length');
  }
  return hex;
}

/** A mandatory hex field, returned upper-case without `0x`; `bytes` restricts the decoded length. */
export function readHex(obj: JsonObject, field: string, bytes?: number | readonly number[]): string {
  return checkHex(field, readString(obj, field), bytes);
}

export function readOptionalHex(
  obj: JsonObject,
  field: string,
  bytes?: number | readonly number[],
): string | undefined {
  const value = readOptionalString(obj, field);
  return value === undefined ? undefined : checkHex(field, value, bytes);
}

export function readBytes(obj: JsonObject, field: string): Uint8Array {
  return hexToBytes(readHex(obj, field));
}

/** A JSON integer in [min, max]; strings and fractions are refused (TTS and ChirpStack decode these as integers). */
export function readInteger(obj: JsonObject, field: string, min: number, max: number): number {
  const value = obj[field];
  if (value === undefined || value === null) return fieldError(field, 'missing');
  if (typeof value !== 'number' || !Number.isInteger(value)) return fieldError(field, 'not_integer');
  if (value < min || value > max) return fieldError(field, 'out_of_range');
  return value;
}

export function readOptionalInteger(
  obj: JsonObject,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = obj[field];
  return value === undefined || value === null ? undefined : readInteger(obj, field, min, max);
}

export const uint32Max = 0xffff_ffff;
