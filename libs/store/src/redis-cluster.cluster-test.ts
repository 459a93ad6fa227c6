// connectRedisUrl on a 6-node Redis Cluster (`npm run test:cluster`).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { requireClusterInfra } from '@joinery/testing/infra';
import { Cluster } from 'ioredis';
import { hashSlot } from './hash-slot.js';
import { defineScript, waitForRedis } from './redis.js';
import { connectRedisUrl } from './redis-cluster.js';

test('a redis-cluster:// URL gives a Cluster client that runs scripts in each slot; cross-slot scripts fail', async () => {
  const { REDIS_CLUSTER_URL } = requireClusterInfra();
  const redis = connectRedisUrl(REDIS_CLUSTER_URL, { connectionName: 'store-cluster-test' });
  try {
    assert.ok(redis instanceof Cluster);
    await waitForRedis(redis);
    const bump = defineScript<number>(
      redis,
      'joineryTestClusterBump',
      `redis.call('SET', KEYS[2], 'x') return redis.call('INCR', KEYS[1])`,
      2,
    );
    const run = randomUUID();
    for (let i = 0; i < 20; i++) {
      const tag = `{${run}-${i}}`;
      assert.equal(await bump([`${tag}:a`, `${tag}:b`]), 1);
      assert.equal(Number(await redis.call('CLUSTER', 'KEYSLOT', `${tag}:a`)), hashSlot(`${tag}:a`));
    }
    await assert.rejects(bump([`{${run}-x}:a`, `{${run}-y}:a`]), /CROSSSLOT|same slot/);
  } finally {
    redis.disconnect();
  }
});
