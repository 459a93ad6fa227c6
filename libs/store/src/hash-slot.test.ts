import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSlot } from './hash-slot.js';

test('hashSlot matches Redis CLUSTER KEYSLOT, hash tags included', () => {
  // Values from `redis-cli CLUSTER KEYSLOT` (and the Redis Cluster spec's CRC16 check value 0x31C3).
  assert.equal(hashSlot('123456789'), 0x31c3 % 16384);
  assert.equal(hashSlot('foo'), 12182);
  assert.equal(hashSlot('bar'), 5061);
  assert.equal(hashSlot('{user1000}.following'), hashSlot('user1000'));
  assert.equal(hashSlot('foo{}{bar}'), hashSlot('foo{}{bar}'.slice(0)));
  assert.notEqual(hashSlot('foo{}{bar}'), hashSlot('bar'));
  assert.equal(hashSlot('foo{{bar}}zap'), hashSlot('{bar'));
});
