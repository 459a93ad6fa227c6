import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSlot } from '@joinery/store';
import {
  deviceKeyBase,
  outboxLeaseKey,
  outboxShardCount,
  outboxStreamKey,
  shardOf,
  shardTags,
  shardedDeviceKey,
} from './outbox-shards.js';

test('every shard tag hashes into its own equal slot range, so shards spread over the primaries', () => {
  assert.equal(shardTags.length, outboxShardCount);
  assert.equal(new Set(shardTags).size, outboxShardCount);
  shardTags.forEach((tag, k) => assert.equal(Math.floor(hashSlot(tag) / (16384 / outboxShardCount)), k));
  // Three primaries with the default split (0-5460, 5461-10922, 10923-16383) get 10 or 11 shards each.
  const perPrimary = [0, 0, 0];
  for (const tag of shardTags) perPrimary[hashSlot(tag) <= 5460 ? 0 : hashSlot(tag) <= 10922 ? 1 : 2]! += 1;
  assert.ok(
    perPrimary.every((n) => n >= 10 && n <= 11),
    perPrimary.join(','),
  );
});

test("a device's keys, its shard's outbox stream and lease share one hash slot", () => {
  for (const dev of ['0102030405060708', 'a0b1c2d3e4f50617', 'FFFFFFFFFFFFFFFF', '0000000000000000']) {
    const k = shardOf(dev);
    const slot = hashSlot(shardedDeviceKey('joinery:keys', dev, 'nonce'));
    assert.equal(hashSlot(shardedDeviceKey('joinery:keys', dev, 'sessions')), slot);
    assert.equal(hashSlot(outboxStreamKey('joinery:keys', k)), slot);
    assert.equal(hashSlot(outboxLeaseKey('joinery:keys', k)), slot);
    assert.equal(shardOf(dev.toLowerCase()), k);
  }
  assert.equal(
    shardedDeviceKey('joinery:keys', '0102030405060708', 'nonce'),
    `joinery:keys:{${shardTags[shardOf('0102030405060708')]}}:0102030405060708:nonce`,
  );
  assert.throws(() => shardedDeviceKey('joinery:keys', '01020304', 'nonce'));
});

test('devices spread over all shards', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(shardOf(i.toString(16).padStart(16, '0')));
  assert.equal(seen.size, outboxShardCount);
});

test("a device's key base is its shard and the common start of its keys, validated once", () => {
  for (const dev of ['0102030405060708', 'a0b1c2d3e4f50617']) {
    const { shard, base } = deviceKeyBase('joinery:keys', dev);
    assert.equal(shard, shardOf(dev));
    for (const what of ['nonce', 'dev-nonces', 'sessions', 'session-order'])
      assert.equal(`${base}${what}`, shardedDeviceKey('joinery:keys', dev, what));
  }
  assert.throws(() => deviceKeyBase('joinery:keys', '01020304'));
  assert.throws(() => deviceKeyBase('joinery:{keys}', '0102030405060708'));
  assert.throws(() => shardedDeviceKey('joinery:keys', '0102030405060708', 'no{ce}'));
});
