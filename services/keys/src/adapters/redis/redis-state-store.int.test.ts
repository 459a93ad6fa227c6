import { connectRedis, waitForRedis } from '@joinery/store';
import { requireInfra } from '@joinery/testing/infra';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { keysStateStoreContract } from '../../domain/keys-state-store.contract.js';
import { shardedDeviceKey } from './outbox-shards.js';
import { createRedisStateStore } from './redis-state-store.js';

keysStateStoreContract('redis', async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  const redis = connectRedis(REDIS_URL, { connectionName: 'keys-contract' });
  await waitForRedis(redis);
  const prefix = `joinery:keys-test:${randomUUID()}`;
  const store = createRedisStateStore(redis, { prefix });
  return {
    store,
    cleanup: async () => {
      await redis.del(...store.outboxShards.map((s) => s.streamKey));
      redis.disconnect();
    },
  };
});

test('redis: the reserve script refuses at JoinNonce 0xFFFFFF and leaves the DevNonce alone', async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  const redis = connectRedis(REDIS_URL);
  try {
    const prefix = `joinery:keys-test:${randomUUID()}`;
    const store = createRedisStateStore(redis, { prefix });
    const dev = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    await redis.hset(shardedDeviceKey(prefix, dev, 'nonce'), 'jn', 0xfffffe);
    assert.deepEqual(await store.reserve(dev, { kind: 'dev_nonce', policy: 'counter', devNonce: 1 }), {
      ok: true,
      joinNonce: 0xffffff,
    });
    assert.deepEqual(await store.reserve(dev, { kind: 'dev_nonce', policy: 'counter', devNonce: 2 }), {
      ok: false,
      refusal: 'join_nonce_exhausted',
    });
    assert.equal((await store.getNonceState(dev)).lastDevNonce, 1);
  } finally {
    redis.disconnect();
  }
});
