import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSessionKeyId } from './session-key-id.js';

test('SessionKeyIDs: 16 bytes, the creation time in the first 6, and random bits that never repeat across pool refills', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);
  const ids = Array.from({ length: 2000 }, () => newSessionKeyId(now));
  for (const id of ids) {
    assert.equal(id.length, 16);
    assert.equal(Buffer.from(id.subarray(0, 6)).readUIntBE(0, 6), now);
  }
  const randomParts = new Set(ids.map((id) => Buffer.from(id.subarray(6)).toString('hex')));
  assert.equal(randomParts.size, ids.length);
  assert.ok(!randomParts.has('00'.repeat(10)), 'no id takes bytes the pool already handed out (zeroed)');
});
