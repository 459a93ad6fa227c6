import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AES128Key } from './aes128-key.js';
import { lorawanErrors } from './errors.js';

/** RFC 3394 §2.2.3.1 default initial value. */
const defaultIv = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** Copies the KEK bytes (wiped by the caller) and picks OpenSSL's wrap mode for their length. */
function kekBytes(kek: AES128Key | Uint8Array): { bytes: Uint8Array; algorithm: string } {
  const bytes =
    kek instanceof AES128Key ? kek.bytes() : kek instanceof Uint8Array ? Uint8Array.from(kek) : undefined;
  if (bytes === undefined || ![16, 24, 32].includes(bytes.length)) {
    throw lorawanErrors.invalid_kek({ gotBytes: bytes?.length ?? -1 });
  }
  return { bytes, algorithm: `id-aes${bytes.length * 8}-wrap` };
}

/**
 * RFC 3394 AES key wrap with the default IV: the `AESKey` of a Backend Interfaces KeyEnvelope. The KEK is an
 * `AES128Key` or raw 16/24/32 bytes; the output is 8 bytes longer than the key data.
 *
 * OpenSSL's `id-aesNNN-wrap` runs the 6·n AES rounds natively. The RFC loop written in TypeScript on a cached ECB
 * cipher was 4–5× slower (each of its 12 rounds is a JS→OpenSSL call); the tests keep that RFC-text
 * implementation as an independent oracle.
 */
export function keyWrap(kek: AES128Key | Uint8Array, keyData: Uint8Array | AES128Key): Uint8Array {
  const plain = keyData instanceof AES128Key ? keyData.bytes() : keyData;
  if (!(plain instanceof Uint8Array) || plain.length < 16 || plain.length % 8 !== 0) {
    throw lorawanErrors.invalid_key_data({ gotBytes: plain instanceof Uint8Array ? plain.length : -1 });
  }
  const { bytes, algorithm } = kekBytes(kek);
  try {
    const cipher = createCipheriv(algorithm, bytes, defaultIv);
    return new Uint8Array(Buffer.concat([cipher.update(plain), cipher.final()]));
  } finally {
    bytes.fill(0);
    if (keyData instanceof AES128Key) plain.fill(0);
  }
}

/**
 * RFC 3394 unwrap with the integrity check of §2.2.3 (the recovered IV must be A6…A6): a wrong KEK or any
 * corrupted byte throws `lorawan:key_unwrap_failed`; it never returns unchecked bytes.
 */
export function keyUnwrap(kek: AES128Key | Uint8Array, wrapped: Uint8Array): Uint8Array {
  const { bytes, algorithm } = kekBytes(kek);
  try {
    if (!(wrapped instanceof Uint8Array) || wrapped.length < 24 || wrapped.length % 8 !== 0) {
      throw lorawanErrors.key_unwrap_failed({
        reason: 'wrong_length',
        gotBytes: wrapped instanceof Uint8Array ? wrapped.length : -1,
      });
    }
    const decipher = createDecipheriv(algorithm, bytes, defaultIv);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(wrapped), decipher.final()]));
    } catch (err) {
      throw lorawanErrors.key_unwrap_failed({ reason: 'integrity_check' }, undefined, err);
    }
  } finally {
    bytes.fill(0);
  }
}

/** Unwraps a 24-byte envelope into an `AES128Key`. */
export function keyUnwrapAes128(kek: AES128Key | Uint8Array, wrapped: Uint8Array): AES128Key {
  if (wrapped instanceof Uint8Array && wrapped.length !== 24) {
    throw lorawanErrors.key_unwrap_failed({ reason: 'wrong_length', gotBytes: wrapped.length });
  }
  const plain = keyUnwrap(kek, wrapped);
  try {
    return AES128Key.fromBytes(plain);
  } finally {
    plain.fill(0);
  }
}
