import { connectRedis, waitForRedis } from '@joinery/store';
import { requireInfra } from '@joinery/testing/infra';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { keysStateStoreContract } from '../../domain/keys-state-store.contract.js';
import { shardedDeviceKey } from './outbox-shards.js';
import type { JoinCommit } from '../../domain/ports.js';
import { createRedisStateStore } from './redis-state-store.js';

const commitOf = (dev: string, joinNonce: number): JoinCommit => ({
  session: {
    sessionKeyId: joinNonce.toString(16).padStart(32, '0').toUpperCase(),
    joinNonce,
    storageKekLabel: 'k',
    storedAppSKey: new Uint8Array(24),
    bindingId: 'b',
    createdAt: 1_000,
  },
  maxSessions: 10,
  event: { topic: 't', key: dev, value: new Uint8Array([joinNonce & 0xff]) },
});

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
    assert.equal(store.guessJoinNonce(dev, { kind: 'dev_nonce', policy: 'counter', devNonce: 2 }), undefined);
    assert.deepEqual(
      await store.commitJoin(
        dev,
        { kind: 'dev_nonce', policy: 'counter', devNonce: 2 },
        commitOf(dev, 0x1000000),
      ),
      { kind: 'refused', refusal: 'join_nonce_exhausted' },
    );
    assert.equal((await store.getNonceState(dev)).lastDevNonce, 1);
  } finally {
    redis.disconnect();
  }
});

test('redis: the identical JoinReq reserved elsewhere and not yet committed is told to wait, then is its retry', async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  const redis = connectRedis(REDIS_URL);
  try {
    const store = createRedisStateStore(redis, { prefix: `joinery:keys-test:${randomUUID()}` });
    const dev = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const check = (digest: string, now: number) =>
      ({
        kind: 'dev_nonce',
        policy: 'counter',
        devNonce: 5,
        retry: { digest, now, windowMs: 60_000 },
      }) as const;
    assert.deepEqual(await store.reserve(dev, check('aa', 1_000)), { ok: true, joinNonce: 1 });
    // Through another gateway, before the first one committed.
    assert.deepEqual(await store.reserve(dev, check('aa', 1_050)), {
      ok: false,
      refusal: 'dev_nonce_too_small',
      pendingRetry: true,
    });
    assert.deepEqual(await store.reserve(dev, check('bb', 1_050)), {
      ok: false,
      refusal: 'dev_nonce_too_small',
    });
    assert.deepEqual(await store.reserve(dev, check('aa', 3_000)), {
      ok: false,
      refusal: 'dev_nonce_too_small',
    });
    assert.deepEqual(
      await store.commitJoin(dev, check('aa', 1_060), commitOf(dev, 2)),
      { kind: 'refused', refusal: 'dev_nonce_too_small', pendingRetry: true },
      'the one step tells it to wait too, and changes nothing',
    );
    assert.equal((await store.getNonceState(dev)).joinNonce, 1);
    await store.commitSession(
      dev,
      {
        sessionKeyId: 'CD'.repeat(16),
        joinNonce: 1,
        storageKekLabel: 'k',
        storedAppSKey: new Uint8Array(24),
        bindingId: 'b',
        createdAt: 1_000,
      },
      10,
      { topic: 't', key: dev, value: new Uint8Array([1]) },
      { devNonce: 5, digest: 'aa', joinNonce: 1, sessionKeyId: 'CD'.repeat(16), eventId: 'ev', at: 1_000 },
    );
    assert.deepEqual(await store.reserve(dev, check('aa', 1_100)), {
      ok: true,
      joinNonce: 1,
      retryOf: { sessionKeyId: 'CD'.repeat(16), eventId: 'ev' },
    });
    assert.deepEqual(await store.commitJoin(dev, check('aa', 1_100), commitOf(dev, 2)), {
      kind: 'retry',
      joinNonce: 1,
      retryOf: { sessionKeyId: 'CD'.repeat(16), eventId: 'ev' },
    });
    await redis.del(...store.outboxShards.map((s) => s.streamKey));
  } finally {
    redis.disconnect();
  }
});

test('redis: a replica guesses the JoinNonces of the devices it accepted; another replica makes the guess stale', async () => {
  const { REDIS_URL } = requireInfra('REDIS_URL');
  const redis = connectRedis(REDIS_URL);
  try {
    const prefix = `joinery:keys-test:${randomUUID()}`;
    const [one, other] = [createRedisStateStore(redis, { prefix }), createRedisStateStore(redis, { prefix })];
    const off = createRedisStateStore(redis, { prefix, joinNonceCacheSize: 0 });
    const dev = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const check = (devNonce: number) => ({ kind: 'dev_nonce', policy: 'counter', devNonce }) as const;
    assert.equal(one.guessJoinNonce(dev, check(1)), undefined, 'a device this replica has not seen');
    assert.deepEqual(await one.reserve(dev, check(1)), { ok: true, joinNonce: 1 });
    assert.equal(one.guessJoinNonce(dev, check(2)), undefined, 'reserved but not accepted yet');
    await one.commitSession(dev, commitOf(dev, 1).session, 10, commitOf(dev, 1).event);
    assert.equal(one.guessJoinNonce(dev, check(2)), 2);
    assert.equal((await one.commitJoin(dev, check(2), commitOf(dev, 2))).kind, 'committed');
    assert.equal(one.guessJoinNonce(dev, check(3)), 3);
    assert.equal(one.guessJoinNonce(dev, check(2)), undefined, 'the last DevNonce again: refused or a retry');
    assert.equal(other.guessJoinNonce(dev, check(3)), undefined);
    assert.equal((await other.commitJoin(dev, check(3), commitOf(dev, 3))).kind, 'committed');
    assert.deepEqual(await one.commitJoin(dev, check(4), commitOf(dev, 3)), { kind: 'stale', joinNonce: 3 });
    assert.equal(one.guessJoinNonce(dev, check(4)), 4, 'learned from the stale answer');
    assert.equal((await one.commitJoin(dev, check(4), commitOf(dev, 4))).kind, 'committed');
    await off.commitSession(dev, commitOf(dev, 5).session, 10, commitOf(dev, 5).event);
    assert.equal(off.guessJoinNonce(dev, check(5)), undefined, 'a cache of size 0 keeps nothing');
    await redis.del(...one.outboxShards.map((s) => s.streamKey));
  } finally {
    redis.disconnect();
  }
});
