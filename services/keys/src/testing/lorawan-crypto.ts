import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * Minimal LoRaWAN crypto for the keys service's tests (fake vault, join-accept checks): AES-128 ECB, AES-CMAC
 * (RFC 4493) and RFC 3394 key wrap. Production code uses the vault adapters.
 */
export function aesEncrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function shiftLeft(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((b[i]! << 1) | ((b[i + 1] ?? 0) >> 7)) & 0xff;
  if (b[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const k1 = shiftLeft(aesEncrypt(key, new Uint8Array(16)));
  const k2 = shiftLeft(k1);
  const blocks = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  const last = new Uint8Array(16);
  last.set(message.subarray((blocks - 1) * 16));
  if (!complete) last[message.length - (blocks - 1) * 16] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i]! ^= subkey[i]!;
  let x: Uint8Array = new Uint8Array(16);
  for (let b = 0; b < blocks - 1; b++) {
    const block = message.subarray(b * 16, b * 16 + 16);
    x = aesEncrypt(
      key,
      x.map((v, i) => v ^ block[i]!),
    );
  }
  return aesEncrypt(
    key,
    x.map((v, i) => v ^ last[i]!),
  );
}

const defaultIv = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
const wrapAlgorithm = (kek: Uint8Array) => `id-aes${kek.length * 8}-wrap`;

export function keyWrap(kek: Uint8Array, key: Uint8Array): Uint8Array {
  const c = createCipheriv(wrapAlgorithm(kek), kek, defaultIv);
  return new Uint8Array(Buffer.concat([c.update(key), c.final()]));
}

export function keyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  const c = createDecipheriv(wrapAlgorithm(kek), kek, defaultIv);
  return new Uint8Array(Buffer.concat([c.update(wrapped), c.final()]));
}

export const le = (bytes: Uint8Array): Uint8Array => Uint8Array.from(bytes).reverse();

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const pad16 = (bytes: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Math.ceil(bytes.length / 16) * 16 || 16);
  out.set(bytes);
  return out;
};

export const u16le = (n: number) => [n & 0xff, (n >> 8) & 0xff];
