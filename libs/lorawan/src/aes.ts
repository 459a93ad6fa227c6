import { type Cipher, type Decipher, createCipheriv, createDecipheriv } from 'node:crypto';
import { AES128Key } from './aes128-key.js';
import { lorawanErrors } from './errors.js';

/**
 * AES-ECB on node:crypto. Creating a cipher (the key schedule) costs several times more than encrypting a block,
 * so the ciphers of an `AES128Key` object are created once and kept beside it (an ECB cipher without padding can
 * take any number of `update()` calls and is never finalised). Raw-byte keys (192/256-bit KEKs) get a fresh cipher.
 */
interface KeyCiphers {
  enc?: Cipher;
  dec?: Decipher;
}

const cache = new WeakMap<AES128Key, KeyCiphers>();

function algorithm(keyLength: number): string {
  if (keyLength === 16) return 'aes-128-ecb';
  if (keyLength === 24) return 'aes-192-ecb';
  if (keyLength === 32) return 'aes-256-ecb';
  throw lorawanErrors.invalid_kek({ gotBytes: keyLength });
}

function newEncryptor(key: Uint8Array): Cipher {
  const cipher = createCipheriv(algorithm(key.length), key, null);
  cipher.setAutoPadding(false);
  return cipher;
}

function newDecryptor(key: Uint8Array): Decipher {
  const decipher = createDecipheriv(algorithm(key.length), key, null);
  decipher.setAutoPadding(false);
  return decipher;
}

function ciphersOf(key: AES128Key): KeyCiphers {
  let ciphers = cache.get(key);
  if (ciphers === undefined) {
    ciphers = {};
    cache.set(key, ciphers);
  }
  return ciphers;
}

/** Runs `make` on a temporary copy of the key bytes and wipes the copy. */
function withKeyBytes<T>(key: AES128Key, make: (bytes: Uint8Array) => T): T {
  const bytes = key.bytes();
  try {
    return make(bytes);
  } finally {
    bytes.fill(0);
  }
}

/** Anything that can key AES: an `AES128Key`, or raw 16/24/32 bytes (KEKs). */
export type AesKey = AES128Key | Uint8Array;

function checkBlocks(data: Uint8Array): void {
  if (data.length === 0 || data.length % 16 !== 0)
    throw lorawanErrors.invalid_block({ reason: 'not_whole_blocks', gotBytes: data.length });
}

/** AES-ECB encryption of whole 16-byte blocks, each block on its own. */
export function aesEcbEncrypt(key: AesKey, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  return new Uint8Array(encryptorFor(key).update(data));
}

/** AES-ECB decryption of whole 16-byte blocks; LoRaWAN "encrypts" a join-accept with this. */
export function aesEcbDecrypt(key: AesKey, data: Uint8Array): Uint8Array {
  checkBlocks(data);
  return new Uint8Array(decryptorFor(key).update(data));
}

/** The encryptor of a key, for block-at-a-time loops (CMAC, RFC 3394); cached for `AES128Key`. */
export function encryptorFor(key: AesKey): Cipher {
  if (!(key instanceof AES128Key)) return newEncryptor(key);
  // Each direction is created on first use: most keys only ever encrypt (CMAC, derivation).
  const ciphers = ciphersOf(key);
  return (ciphers.enc ??= withKeyBytes(key, newEncryptor));
}

/** The decryptor of a key, for block-at-a-time loops (RFC 3394 unwrap); cached for `AES128Key`. */
export function decryptorFor(key: AesKey): Decipher {
  if (!(key instanceof AES128Key)) return newDecryptor(key);
  const ciphers = ciphersOf(key);
  return (ciphers.dec ??= withKeyBytes(key, newDecryptor));
}
