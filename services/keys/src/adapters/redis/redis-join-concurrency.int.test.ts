import { connectRedis, waitForRedis } from '@joinery/store';
import { requireInfra } from '@joinery/testing/infra';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { checkJoinConcurrency } from '../../testing/join-concurrency.js';
import { createRedisStateStore } from './redis-state-store.js';

test('Redis: concurrent HandleJoin calls never reuse a JoinNonce or accept a DevNonce twice', async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  const redis = connectRedis(REDIS_URL);
  const store = createRedisStateStore(redis, { prefix: `joinery:keys-test:${randomUUID()}` });
  try {
    await waitForRedis(redis);
    await checkJoinConcurrency(store, `${randomBytes(7).toString('hex').toUpperCase()}00`);
  } finally {
    await redis.del(...store.outboxShards.map((s) => s.streamKey));
    redis.disconnect();
  }
});
