import { randomBytes } from 'node:crypto';

/**
 * A 16-byte SessionKeyID laid out like a ULID: 48-bit big-endian Unix ms, then 80 random bits. Opaque to peers,
 * unguessable, and sortable by creation time in logs.
 */
export function newSessionKeyId(nowMs: number): Uint8Array {
  const id = new Uint8Array(16);
  const view = new DataView(id.buffer);
  view.setUint16(0, Math.floor(nowMs / 2 ** 32) & 0xffff);
  view.setUint32(2, nowMs >>> 0);
  id.set(randomBytes(10), 6);
  return id;
}
