import { timingSafeEqual } from 'node:crypto';
import { AES128Key } from './aes128-key.js';
import { type AesKey, decryptorFor, encryptorFor } from './aes.js';
import { lorawanErrors } from './errors.js';

/** RFC 3394 §2.2.3.1 default initial value. */
const defaultIv = Uint8Array.of(0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6);

function checkKek(kek: AesKey): void {
  if (kek instanceof AES128Key) return;
  if (!(kek instanceof Uint8Array) || ![16, 24, 32].includes(kek.length)) {
    throw lorawanErrors.invalid_kek({ gotBytes: kek instanceof Uint8Array ? kek.length : -1 });
  }
}

/** XORs the 64-bit big-endian step counter t into the 8 bytes at `a`. */
function xorCounter(a: Uint8Array, t: number): void {
  for (let i = 7; i >= 0 && t > 0; i--) {
    a[i] = (a[i] as number) ^ (t & 0xff);
    t = Math.floor(t / 256);
  }
}

/**
 * RFC 3394 AES key wrap (§2.2.1, index-based form) with the default IV: the `AESKey` of a Backend Interfaces
 * KeyEnvelope. The KEK is an `AES128Key` or raw 16/24/32 bytes; the output is 8 bytes longer than the key data.
 */
export function keyWrap(kek: AesKey, keyData: Uint8Array | AES128Key): Uint8Array {
  checkKek(kek);
  const plain = keyData instanceof AES128Key ? keyData.bytes() : keyData;
  if (!(plain instanceof Uint8Array) || plain.length < 16 || plain.length % 8 !== 0) {
    throw lorawanErrors.invalid_key_data({ gotBytes: plain instanceof Uint8Array ? plain.length : -1 });
  }
  const n = plain.length / 8;
  const out = new Uint8Array(8 + plain.length);
  out.set(defaultIv, 0);
  out.set(plain, 8);
  if (keyData instanceof AES128Key) plain.fill(0);
  const cipher = encryptorFor(kek);
  const block = new Uint8Array(16);
  for (let j = 0; j < 6; j++) {
    for (let i = 1; i <= n; i++) {
      block.set(out.subarray(0, 8), 0);
      block.set(out.subarray(i * 8, i * 8 + 8), 8);
      const b = cipher.update(block);
      out.set(b.subarray(0, 8), 0);
      xorCounter(out, n * j + i);
      out.set(b.subarray(8, 16), i * 8);
    }
  }
  block.fill(0);
  return out;
}

/**
 * RFC 3394 unwrap (§2.2.2) with the integrity check of §2.2.3: a wrong KEK or any corrupted byte throws
 * `lorawan:key_unwrap_failed` (the only failure signal; it never returns garbage).
 */
export function keyUnwrap(kek: AesKey, wrapped: Uint8Array): Uint8Array {
  checkKek(kek);
  if (!(wrapped instanceof Uint8Array) || wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw lorawanErrors.key_unwrap_failed({
      reason: 'wrong_length',
      gotBytes: wrapped instanceof Uint8Array ? wrapped.length : -1,
    });
  }
  const n = wrapped.length / 8 - 1;
  const work = Uint8Array.from(wrapped);
  const decipher = decryptorFor(kek);
  const block = new Uint8Array(16);
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      block.set(work.subarray(0, 8), 0);
      xorCounter(block, n * j + i);
      block.set(work.subarray(i * 8, i * 8 + 8), 8);
      const b = decipher.update(block);
      work.set(b.subarray(0, 8), 0);
      work.set(b.subarray(8, 16), i * 8);
    }
  }
  block.fill(0);
  if (!timingSafeEqual(work.subarray(0, 8), defaultIv)) {
    work.fill(0);
    throw lorawanErrors.key_unwrap_failed({ reason: 'integrity_check' });
  }
  return work.slice(8);
}

/** Unwraps a 24-byte envelope into an `AES128Key`. */
export function keyUnwrapAes128(kek: AesKey, wrapped: Uint8Array): AES128Key {
  if (wrapped instanceof Uint8Array && wrapped.length !== 24) {
    throw lorawanErrors.key_unwrap_failed({ reason: 'wrong_length', gotBytes: wrapped.length });
  }
  const plain = keyUnwrap(kek, wrapped);
  const key = AES128Key.fromBytes(plain);
  plain.fill(0);
  return key;
}
