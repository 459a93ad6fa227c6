import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectRedis } from '@joinery/store';
import { requireInfra } from '@joinery/testing/infra';
import { emptyStackRedis } from './fresh-redis.js';

test('emptyStackRedis empties the database of its URL and leaves the others alone', async () => {
  const base = requireInfra('REDIS_URL').REDIS_URL.replace(/\/\d*$/, '');
  const [ours, other] = [connectRedis(`${base}/15`), connectRedis(`${base}/12`)];
  try {
    await ours.set('fresh-redis-test', 'left by an earlier stack');
    await other.set('fresh-redis-test', 'another stack');
    await emptyStackRedis(`${base}/15`, 'fresh-redis-test');
    assert.equal(await ours.dbsize(), 0);
    assert.equal(await other.get('fresh-redis-test'), 'another stack');
  } finally {
    await other.del('fresh-redis-test');
    ours.disconnect();
    other.disconnect();
  }
});
