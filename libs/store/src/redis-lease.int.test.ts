import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { requireInfra } from '@joinery/testing/infra';
import type { Redis } from 'ioredis';
import { connectRedis, waitForRedis } from './redis.js';
import { createRedisLease } from './redis-lease.js';

let redis: Redis;
const prefix = `joinery:test:lease:${randomUUID()}`;

before(async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  redis = connectRedis(REDIS_URL, { connectionName: 'lease-int-test' });
  await waitForRedis(redis);
});
after(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

test('one holder at a time; the holder renews; release hands the lease over at once', async () => {
  const key = `${prefix}:handover`;
  const a = createRedisLease(redis, key, { ttlMs: 5_000, owner: 'a' });
  const b = createRedisLease(redis, key, { ttlMs: 5_000, owner: 'b' });
  assert.equal(await a.hold(), true);
  assert.equal(await b.hold(), false);
  assert.equal(await redis.get(key), 'a');
  const ttl = await redis.pttl(key);
  assert.ok(ttl > 4_000 && ttl <= 5_000, `ttl ${ttl}`);
  assert.equal(await a.hold(), true);
  await b.release(); // not b's: nothing happens
  assert.equal(await redis.get(key), 'a');
  await a.release();
  assert.equal(await b.hold(), true);
  assert.equal(await a.hold(), false);
});

test('a holder that stops renewing loses the lease after the TTL, and learns it when it asks again', async () => {
  const key = `${prefix}:expiry`;
  const a = createRedisLease(redis, key, { ttlMs: 300, owner: 'a' });
  const b = createRedisLease(redis, key, { ttlMs: 300, owner: 'b' });
  assert.equal(await a.hold(), true);
  assert.equal(await b.hold(), false);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(await b.hold(), true);
  assert.equal(await a.hold(), false);
  assert.equal(await redis.get(key), 'b');
});

test('hold() answers from memory for a third of the TTL after a renewal, then asks Redis', async () => {
  const key = `${prefix}:memory`;
  let clock = 1_000_000;
  const a = createRedisLease(redis, key, { ttlMs: 9_000, owner: 'a', now: () => clock });
  const b = createRedisLease(redis, key, { ttlMs: 9_000, owner: 'b' });
  assert.equal(await a.hold(), true);
  await redis.del(key);
  assert.equal(await b.hold(), true);
  clock += 2_999;
  assert.equal(await a.hold(), true, 'within a third of the TTL the key still had two thirds left');
  clock += 1;
  assert.equal(await a.hold(), false);
});
