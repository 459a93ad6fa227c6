import type { AES128Key } from './aes128-key.js';
import { encryptorFor } from './aes.js';

/** RFC 4493 subkeys: L = AES(K, 0^128), K1 = dbl(L), K2 = dbl(K1). */
export interface CmacSubkeys {
  readonly l: Uint8Array;
  readonly k1: Uint8Array;
  readonly k2: Uint8Array;
}

const subkeyCache = new WeakMap<AES128Key, CmacSubkeys>();

/** Doubling in GF(2^128): shift left one bit, and on carry-out XOR the constant Rb = 0x87 into the last byte. */
function dbl(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 15; i++)
    out[i] = (((input[i] as number) << 1) | ((input[i + 1] as number) >>> 7)) & 0xff;
  out[15] = ((input[15] as number) << 1) & 0xff;
  if (((input[0] as number) & 0x80) !== 0) out[15] = (out[15] as number) ^ 0x87;
  return out;
}

/** The RFC 4493 §2.3 subkeys; cached per key object because every MIC under that key needs them. */
export function aesCmacSubkeys(key: AES128Key): CmacSubkeys {
  let subkeys = subkeyCache.get(key);
  if (subkeys === undefined) {
    const l = new Uint8Array(encryptorFor(key).update(new Uint8Array(16)));
    const k1 = dbl(l);
    subkeys = { l, k1, k2: dbl(k1) };
    subkeyCache.set(key, subkeys);
  }
  return { l: Uint8Array.from(subkeys.l), k1: Uint8Array.from(subkeys.k1), k2: Uint8Array.from(subkeys.k2) };
}

/**
 * AES-CMAC (RFC 4493 §2.4), the full 16-byte tag. LoRaWAN MICs are its first 4 bytes. Written on AES-ECB because
 * node:crypto has no CMAC for ciphers; the CBC chain is run block by block on one cached cipher.
 */
export function aesCmac(key: AES128Key, message: Uint8Array): Uint8Array {
  const cipher = encryptorFor(key);
  let subkeys = subkeyCache.get(key);
  if (subkeys === undefined) {
    aesCmacSubkeys(key);
    subkeys = subkeyCache.get(key) as CmacSubkeys;
  }
  const length = message.length;
  const blocks = Math.max(1, Math.ceil(length / 16));
  const complete = length > 0 && length % 16 === 0;
  let x: Uint8Array = new Uint8Array(16);
  const y = new Uint8Array(16);
  for (let b = 0; b < blocks - 1; b++) {
    for (let i = 0; i < 16; i++) y[i] = (x[i] as number) ^ (message[b * 16 + i] as number);
    x = cipher.update(y);
  }
  // Last block: XOR with K1 when complete, otherwise pad with 10* and XOR with K2.
  const lastStart = (blocks - 1) * 16;
  const subkey = complete ? subkeys.k1 : subkeys.k2;
  for (let i = 0; i < 16; i++) {
    const at = lastStart + i;
    const m = at < length ? (message[at] as number) : at === length ? 0x80 : 0;
    y[i] = (x[i] as number) ^ m ^ (subkey[i] as number);
  }
  return new Uint8Array(cipher.update(y));
}

/** A LoRaWAN MIC: the first 4 bytes of the AES-CMAC. */
export function cmacMic(key: AES128Key, message: Uint8Array): Uint8Array {
  return aesCmac(key, message).slice(0, 4);
}
