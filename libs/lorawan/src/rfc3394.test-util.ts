// RFC 3394 key wrap written from the RFC text (§2.2.1 index-based wrap, §2.2.2 unwrap) on plain AES-ECB: a test
// oracle independent of OpenSSL's id-aesNNN-wrap, which the library uses.
import { createCipheriv, createDecipheriv } from 'node:crypto';

const iv = Uint8Array.of(0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6);

function ecb(kek: Uint8Array, decrypt: boolean) {
  const algorithm = `aes-${kek.length * 8}-ecb`;
  const c = decrypt ? createDecipheriv(algorithm, kek, null) : createCipheriv(algorithm, kek, null);
  c.setAutoPadding(false);
  return (block: Uint8Array) => new Uint8Array(c.update(block));
}

/** XOR of the 64-bit big-endian counter t into A. */
function xorT(a: Uint8Array, t: number): void {
  for (let i = 7; i >= 0 && t > 0; i--, t = Math.floor(t / 256)) a[i] = (a[i] as number) ^ (t & 0xff);
}

export function rfc3394Wrap(kek: Uint8Array, plain: Uint8Array): Uint8Array {
  const aes = ecb(kek, false);
  const n = plain.length / 8;
  let a = Uint8Array.from(iv);
  const r = Array.from({ length: n }, (_, i) => plain.slice(i * 8, i * 8 + 8));
  for (let j = 0; j <= 5; j++) {
    for (let i = 1; i <= n; i++) {
      const b = aes(Uint8Array.of(...a, ...(r[i - 1] as Uint8Array)));
      a = b.slice(0, 8);
      xorT(a, n * j + i);
      r[i - 1] = b.slice(8);
    }
  }
  return Uint8Array.of(...a, ...r.flatMap((x) => [...x]));
}

/** Returns undefined when the integrity check fails. */
export function rfc3394Unwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined {
  const aes = ecb(kek, true);
  const n = wrapped.length / 8 - 1;
  let a = wrapped.slice(0, 8);
  const r = Array.from({ length: n }, (_, i) => wrapped.slice(8 + i * 8, 16 + i * 8));
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      xorT(a, n * j + i);
      const b = aes(Uint8Array.of(...a, ...(r[i - 1] as Uint8Array)));
      a = b.slice(0, 8);
      r[i - 1] = b.slice(8);
    }
  }
  return a.every((x, i) => x === iv[i]) ? Uint8Array.of(...r.flatMap((x) => [...x])) : undefined;
}
