import { randomFillSync } from 'node:crypto';

/**
 * A 16-byte SessionKeyID laid out like a ULID: 48-bit big-endian Unix ms, then 80 random bits. Opaque to peers,
 * unguessable, and sortable by creation time in logs.
 */
// Random bits are drawn 256 ids at a time: one CSPRNG call per id was a measurable share of a join's CPU.
const randomPerId = 10;
const pool = new Uint8Array(randomPerId * 256);
let poolOffset = pool.length;

export function newSessionKeyId(nowMs: number): Uint8Array {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint16(0, Math.floor(nowMs / 2 ** 32) & 0xffff);
  view.setUint32(2, nowMs >>> 0);
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  id.set(pool.subarray(poolOffset, poolOffset + randomPerId), 6);
  // Each random byte is used once.
  pool.fill(0, poolOffset, poolOffset + randomPerId);
  poolOffset += randomPerId;
  return id;
}
