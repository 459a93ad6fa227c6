import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { requireInfra } from './require-infra.js';

// The shape of a JoinNonce update: raise a per-device counter only if the new value is greater, atomically.
const raiseIfGreater = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local proposed = tonumber(ARGV[1])
if proposed <= current then return {0, current} end
redis.call('SET', KEYS[1], ARGV[1])
return {1, proposed}
`;

let redis: Redis;
const key = `{${randomUUID()}}:join-nonce`;

before(() => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});

after(async () => {
  await redis.del(key);
  redis.disconnect();
});

test('a Lua script runs atomically on the test Redis and its result comes back', async () => {
  assert.deepEqual(await redis.eval(raiseIfGreater, 1, key, '5'), [1, 5]);
  assert.deepEqual(await redis.eval(raiseIfGreater, 1, key, '3'), [0, 5]);
  assert.deepEqual(await redis.eval(raiseIfGreater, 1, key, '5'), [0, 5]);
  assert.deepEqual(await redis.eval(raiseIfGreater, 1, key, '6'), [1, 6]);
  assert.equal(await redis.get(key), '6');
});
