// Two keys relays on a 6-node Redis Cluster and Kafka (`npm run test:cluster`): they split the 32 outbox shards,
// and when one dies without a word (its Redis connection cut mid-run, its leases left to expire) the other takes its
// shards over; every outbox record is on Kafka exactly once (ADR 0005, ADR 0007).
import { captureLogs } from '@joinery/logging';
import { connectRedisUrl, waitForRedis, type Cluster, type Redis } from '@joinery/store';
import { quietKafka, readTopic, requireClusterInfra, requireInfra } from '@joinery/testing/infra';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { connectKafkaPublisher, outboxIdHeader, outboxSourceHeader } from '../kafka/kafka-publisher.js';
import { outboxShardCount, shardOf } from './outbox-shards.js';
import { createRedisStateStore } from './redis-state-store.js';
import { preferredRelay, startShardedOutboxRelay } from './sharded-relay.js';

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

test('rendezvous hashing gives every shard one relay and moves only a dead relay’s shards', () => {
  const two = Array.from({ length: outboxShardCount }, (_, k) => preferredRelay(['a:1', 'b:2'], k));
  const three = Array.from({ length: outboxShardCount }, (_, k) => preferredRelay(['a:1', 'b:2', 'c:3'], k));
  assert.ok(two.filter((o) => o === 'a:1').length >= 8 && two.filter((o) => o === 'b:2').length >= 8);
  // Adding c moves shards only to c.
  three.forEach((o, k) => assert.ok(o === 'c:3' || o === two[k]));
});

test(
  'two relays split the shards; one dies mid-burst; the other takes its shards and each record is on Kafka once',
  { timeout: 240_000 },
  async () => {
    const { REDIS_CLUSTER_URL } = requireClusterInfra();
    const { KAFKA_BROKERS } = requireInfra('KAFKA_BROKERS');
    const brokers = KAFKA_BROKERS.split(',');
    const run = randomUUID();
    const prefix = `joinery:keys-test:${run}`;
    const topic = `joinery.test.keys.sharded.${run}`;
    const admin = quietKafka('keys-sharded-test', brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const logs = captureLogs();
    const connections: (Redis | Cluster)[] = [];
    const replica = async (name: string) => {
      const redis = connectRedisUrl(REDIS_CLUSTER_URL, { connectionName: `keys-sharded-${name}` });
      await waitForRedis(redis);
      connections.push(redis);
      const store = createRedisStateStore(redis, { prefix });
      const source = (k: number) => `sharded-test-${run}-${k}`;
      const publisher = await connectKafkaPublisher(brokers, {
        sourceIds: store.outboxShards.map((s) => source(s.index)),
      });
      const relay = startShardedOutboxRelay({
        redis,
        shards: store.outboxShards,
        prefix,
        owner: name,
        leaseMs: 2_000,
        publish: (k, records) => publisher.publishFrom(source(k), records),
        onShardTaken: (k) => publisher.forgetWatermarks(source(k)),
        logger: logs.logger.child({ replica: name }),
        idleMs: 50,
        retryMs: 100,
      });
      return { redis, store, publisher, relay };
    };
    const a = await replica('a');
    const b = await replica('b');
    const devices = Array.from({ length: 200 }, () => randomBytes(8).toString('hex').toUpperCase());
    let appended = 0;
    const append = async (count: number) => {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const dev = devices[appended++ % devices.length]!;
          await a.store.appendEvent(dev, { topic, key: dev, value: new Uint8Array([appended % 256]) });
        }),
      );
    };
    const onTopic = async () =>
      (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0);
    try {
      await until(
        // A started first and took every shard; once it sees B's heartbeat it hands B the shards B is preferred for.
        'the relays to split the shards',
        () => a.relay.held().length + b.relay.held().length === 32 && b.relay.held().length >= 8,
      );
      const [heldA, heldB] = [a.relay.held(), b.relay.held()];
      assert.deepEqual(
        heldA.filter((k) => heldB.includes(k)),
        [],
        'no shard held twice',
      );
      assert.ok(heldA.length >= 8 && heldB.length >= 8, `shards held: ${heldA.length} and ${heldB.length}`);

      await append(300);
      await until('the first 300 on Kafka', async () => (await onTopic()) === 300);
      // B's connection is cut while joins keep coming: its shards wait for its leases to expire, then A relays them.
      const burst = (async () => {
        for (let i = 0; i < 10; i++) {
          await append(30);
          if (i === 2) b.redis.disconnect();
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      await burst;
      await until('A to hold every shard', () => a.relay.held().length === 32);
      await until(
        'every record on Kafka',
        async () => (await onTopic()) >= 600 && (await a.store.outbox.count()) === 0,
      );
      assert.equal(await onTopic(), 600, 'each outbox record on Kafka exactly once');

      // Per shard source, ids on the topic are distinct and cover every device's shard.
      const records = await readTopic(brokers, topic, { clientId: 'keys-sharded-test' });
      const seen = records.map(
        (r) => `${r.headers[outboxSourceHeader]?.toString()}/${r.headers[outboxIdHeader]?.toString()}`,
      );
      for (const r of records)
        assert.equal(
          r.headers[outboxSourceHeader]?.toString(),
          `sharded-test-${run}-${shardOf(r.key!.toString())}`,
        );
      assert.equal(seen.length, 600);
      assert.equal(new Set(seen).size, 600);
      assert.ok(
        logs
          .grep('"replica":"a"')
          .some((r) => r.msg === 'outbox relay lease taken: this process relays the outbox'),
      );
    } finally {
      await a.relay.stop();
      void b.relay.stop();
      await a.publisher.close();
      await b.publisher.close().catch(() => undefined);
      await Promise.all(a.store.outboxShards.map((s) => a.redis.del(s.streamKey)));
      for (const redis of connections) redis.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
