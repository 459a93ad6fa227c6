// The keys state-store contract and the join concurrency checks on a 6-node Redis Cluster (`npm run test:cluster`):
// a device's keys and its outbox shard share one slot, so every script runs there (ADR 0007).
import { connectRedisUrl, hashSlot, waitForRedis, type Cluster } from '@joinery/store';
import { requireClusterInfra } from '@joinery/testing/infra';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { keysStateStoreContract } from '../../domain/keys-state-store.contract.js';
import { checkJoinConcurrency } from '../../testing/join-concurrency.js';
import { outboxShardCount, shardOf, shardedDeviceKey } from './outbox-shards.js';
import { createRedisStateStore } from './redis-state-store.js';

const connect = async () => {
  const { REDIS_CLUSTER_URL } = requireClusterInfra();
  const redis = connectRedisUrl(REDIS_CLUSTER_URL, { connectionName: 'keys-cluster-contract' }) as Cluster;
  await waitForRedis(redis);
  return redis;
};

keysStateStoreContract('redis cluster', async () => {
  const redis = await connect();
  const store = createRedisStateStore(redis, { prefix: `joinery:keys-test:${randomUUID()}` });
  return {
    store,
    cleanup: async () => {
      await Promise.all(store.outboxShards.map((s) => redis.del(s.streamKey)));
      redis.disconnect();
    },
  };
});

test('redis cluster: concurrent HandleJoin calls never reuse a JoinNonce or accept a DevNonce twice', async () => {
  const redis = await connect();
  const store = createRedisStateStore(redis, { prefix: `joinery:keys-test:${randomUUID()}` });
  try {
    await checkJoinConcurrency(store, `${randomBytes(7).toString('hex').toUpperCase()}00`);
  } finally {
    await Promise.all(store.outboxShards.map((s) => redis.del(s.streamKey)));
    redis.disconnect();
  }
});

test('redis cluster: the outbox shards spread over all three primaries, each shard in one slot', async () => {
  const redis = await connect();
  const prefix = `joinery:keys-test:${randomUUID()}`;
  const store = createRedisStateStore(redis, { prefix });
  try {
    // The server's own CLUSTER KEYSLOT agrees with the slot the adapter relies on.
    for (const shard of store.outboxShards.slice(0, 4))
      assert.equal(
        Number(await redis.call('CLUSTER', 'KEYSLOT', shard.streamKey)),
        hashSlot(shard.streamKey),
      );
    const devices = Array.from({ length: 300 }, () => randomBytes(8).toString('hex').toUpperCase());
    for (const dev of devices) {
      await store.reserve(dev, { kind: 'dev_nonce', policy: 'counter', devNonce: 1 });
      await store.appendEvent(dev, { topic: 't', key: dev, value: new Uint8Array([1]) });
      assert.equal(
        Number(await redis.call('CLUSTER', 'KEYSLOT', shardedDeviceKey(prefix, dev, 'nonce'))),
        Number(await redis.call('CLUSTER', 'KEYSLOT', store.outboxShards[shardOf(dev)]!.streamKey)),
      );
    }
    const perPrimary = await Promise.all(
      redis.nodes('master').map(async (node) => (await node.keys(`${prefix}:*:outbox`)).length),
    );
    assert.equal(perPrimary.length, 3);
    assert.ok(
      perPrimary.every((n) => n >= 8),
      `outbox shards per primary: ${perPrimary.join(',')}`,
    );
    assert.equal(
      perPrimary.reduce((a, b) => a + b, 0),
      outboxShardCount,
    );
    assert.equal(await store.outbox.count(), devices.length);
  } finally {
    await Promise.all(store.outboxShards.map((s) => redis.del(s.streamKey)));
    redis.disconnect();
  }
});
