import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { requireInfra } from '@joinery/testing/infra';
import type { Redis } from 'ioredis';
import { deviceKey } from './device-key.js';
import { connectRedis, defineScript, waitForRedis } from './redis.js';

let redis: Redis;
const prefix = `joinery:test:${randomUUID()}`;

before(async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  redis = connectRedis(REDIS_URL, { connectionName: 'store-int-test' });
  await waitForRedis(redis);
});
after(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

// Increments a device's JoinNonce and records the DevNonce in one atomic step, refusing a reused DevNonce.
const nonceLua = `
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return -1 end
redis.call('SADD', KEYS[2], ARGV[1])
return redis.call('INCR', KEYS[1])
`;

test('waitForRedis resolves on a ready connection and the connection is configured', async () => {
  await waitForRedis(redis, { timeoutMs: 2000 });
  assert.equal(redis.status, 'ready');
  assert.equal(redis.options.enableAutoPipelining, true);
  assert.equal(redis.options.lazyConnect, false);
  assert.equal(await redis.client('GETNAME'), 'store-int-test');
});

test('a defined script runs atomically with a DevEUI hash tag on every key', async () => {
  const bump = defineScript<number>(redis, 'joineryTestBumpNonce', nonceLua, 2);
  const keys = [
    deviceKey(prefix, '0102030405060708', 'join_nonce'),
    deviceKey(prefix, '0102030405060708', 'dev_nonces'),
  ];
  assert.equal(await bump(keys, [17]), 1);
  assert.equal(await bump(keys, [18]), 2);
  assert.equal(await bump(keys, [17]), -1);
  assert.equal(await redis.get(keys[0] ?? ''), '2');
  assert.deepEqual(
    keys.map((k) => /\{([^}]*)\}/.exec(k)?.[1]),
    ['0102030405060708', '0102030405060708'],
  );
});

test('concurrent script calls never hand out the same nonce', async () => {
  const bump = defineScript<number>(redis, 'joineryTestBumpNonce', nonceLua, 2);
  const keys = [
    deviceKey(prefix, '0A0B0C0D0E0F1011', 'join_nonce'),
    deviceKey(prefix, '0A0B0C0D0E0F1011', 'dev_nonces'),
  ];
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => bump(keys, [i])));
  assert.deepEqual(
    [...results].sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
});

test('scripts fall back to EVAL after SCRIPT FLUSH', async () => {
  const echo = defineScript<string>(redis, 'joineryTestEcho', 'return ARGV[1]', 0);
  assert.equal(await echo([], ['one']), 'one');
  await redis.script('FLUSH');
  assert.equal(await echo([], ['two']), 'two');
});

test('script definitions are checked', async () => {
  const echo = defineScript<string>(redis, 'joineryTestEcho', 'return ARGV[1]', 0);
  await assert.rejects(echo(['unexpected']), (err) => JoineryError.is(err, 'store:script_keys'));
  assert.throws(
    () => defineScript(redis, 'joineryTestEcho', 'return 1', 0),
    (err) => JoineryError.is(err, 'store:script_name'),
  );
  assert.throws(
    () => defineScript(redis, 'get', 'return 1', 0),
    (err) => JoineryError.is(err, 'store:script_name'),
  );
  assert.throws(
    () => defineScript(redis, 'bad name', 'return 1', 0),
    (err) => JoineryError.is(err, 'store:script_name'),
  );
});

test('waitForRedis fails with store:redis_unavailable when nothing listens', async () => {
  const dead = connectRedis('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
  try {
    await assert.rejects(waitForRedis(dead, { timeoutMs: 300 }), (err) =>
      JoineryError.is(err, 'store:redis_unavailable'),
    );
  } finally {
    dead.disconnect();
  }
});
