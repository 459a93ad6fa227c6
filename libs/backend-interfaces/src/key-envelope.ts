import { biErrors } from './errors.js';
import { fieldError, isJsonObject } from './fields.js';
import { bytesToHex, hexToBytes, normalizeHex } from './hex.js';

/** A KeyEnvelope as it travels (BI10 §21): `AESKey` is the RFC 3394-wrapped key, or the key in clear when `KEKLabel` is empty. */
export interface KeyEnvelopeWire {
  readonly KEKLabel: string;
  readonly AESKey: string;
}

/** Parsed/builder form. `kekLabel` absent means plaintext; `key` holds the wrapped bytes when a label is given. */
export interface KeyEnvelope {
  readonly kekLabel?: string;
  readonly key: Uint8Array;
}

const aesKeyBytes = 16;

function checkKeyLength(field: string, labelled: boolean, length: number): void {
  // A 16-byte key wraps to 24 bytes; RFC 3394 output is always n*8 bytes with n ≥ 3.
  const ok = labelled ? length >= 24 && length % 8 === 0 : length === aesKeyBytes;
  if (!ok) fieldError(`${field}.AESKey`, 'wrong_length', biErrors.invalid_key_envelope);
}

/**
 * Builds the wire form. Without a label the key goes in clear with `"KEKLabel": ""`: that is what TTS, ChirpStack and
 * BL send and accept (spec digest §6, §7.1), and ChirpStack only keeps decrypting payloads when the AppSKey label is
 * empty. The wrapping itself happens in the keys service.
 */
export function buildKeyEnvelope(envelope: KeyEnvelope, field = 'KeyEnvelope'): KeyEnvelopeWire {
  const label = envelope.kekLabel ?? '';
  checkKeyLength(field, label !== '', envelope.key.length);
  return { KEKLabel: label, AESKey: bytesToHex(envelope.key) };
}

/** Validates an incoming envelope: `KEKLabel` absent, `null` or `""` means plaintext (then `AESKey` must be 16 bytes). */
export function parseKeyEnvelope(value: unknown, field = 'KeyEnvelope'): KeyEnvelope {
  if (!isJsonObject(value)) return fieldError(field, 'not_object', biErrors.invalid_key_envelope);
  const label = value['KEKLabel'];
  if (label !== undefined && label !== null && typeof label !== 'string')
    return fieldError(`${field}.KEKLabel`, 'not_string', biErrors.invalid_key_envelope);
  const aesKey = value['AESKey'];
  if (aesKey === undefined || aesKey === null)
    return fieldError(`${field}.AESKey`, 'missing', biErrors.invalid_key_envelope);
  if (typeof aesKey !== 'string')
    return fieldError(`${field}.AESKey`, 'not_string', biErrors.invalid_key_envelope);
  const hex = normalizeHex(aesKey);
  if (hex === undefined) return fieldError(`${field}.AESKey`, 'not_hex', biErrors.invalid_key_envelope);
  const key = hexToBytes(hex);
  const labelled = typeof label === 'string' && label !== '';
  checkKeyLength(field, labelled, key.length);
  return labelled ? { kekLabel: label, key } : { key };
}
