// Two keys replicas on one Redis share one outbox: only the holder of the relay lease publishes it, and a replica
// that takes the lease over learns from Kafka what the previous holder published but did not trim (ADR 0005).
import { startOutboxRelay, type RelayLease } from '@joinery/bus';
import { captureLogs } from '@joinery/logging';
import { connectRedis, createRedisLease, waitForRedis, type Redis } from '@joinery/store';
import { quietKafka, readTopic, requireInfra } from '@joinery/testing/infra';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { OutboxSource } from '../../domain/ports.js';
import { outboxLeaseKey, outboxStreamKey, shardOf } from '../redis/outbox-shards.js';
import { createRedisStateStore } from '../redis/redis-state-store.js';
import { connectKafkaPublisher, outboxIdHeader } from './kafka-publisher.js';

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** The real lease, plus a switch that makes this replica give it up and stay away (it keeps running). */
function yieldingLease(lease: RelayLease) {
  let away = false;
  return {
    away: (value: boolean) => void (away = value),
    lease: {
      hold: async () => {
        if (!away) return lease.hold();
        await lease.release();
        return false;
      },
      release: () => lease.release(),
    },
  };
}

test(
  'one relay per shared outbox; a takeover after a crash between Kafka ack and trim publishes nothing twice',
  { timeout: 120_000 },
  async () => {
    const { REDIS_URL, KAFKA_BROKERS } = requireInfra('REDIS_URL', 'KAFKA_BROKERS');
    const brokers = KAFKA_BROKERS.split(',');
    const run = randomUUID();
    const topic = `joinery.test.keys.lease.${run}`;
    const prefix = `joinery:keys-test:${run}`;
    // One outbox shard, and devices of that shard only.
    const shard = shardOf('70B3D57ED0000000');
    const devices = Array.from({ length: 400 }, (_, i) =>
      (0x70b3d57ed0000000n + BigInt(i)).toString(16).toUpperCase(),
    )
      .filter((d) => shardOf(d) === shard)
      .slice(0, 7);
    const leaseKey = outboxLeaseKey(prefix, shard);
    const outboxKey = outboxStreamKey(prefix, shard);
    const admin = quietKafka('keys-lease-test', brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const connections: Redis[] = [];
    const replica = async (name: string) => {
      const redis = connectRedis(REDIS_URL, { connectionName: `keys-lease-test-${name}` });
      await waitForRedis(redis);
      connections.push(redis);
      const store = createRedisStateStore(redis, { prefix });
      const publisher = await connectKafkaPublisher(brokers, { sourceId: `lease-test-${run}` });
      return { store, publisher, lease: createRedisLease(redis, leaseKey, { ttlMs: 1_000, owner: name }) };
    };
    const a = await replica('a');
    const b = await replica('b');
    const published = { a: 0, b: 0 };
    let next = 0;
    const append = async (count: number) => {
      for (let i = 0; i < count; i++, next++) {
        const devEui = devices[next % 7]!;
        await a.store.appendEvent(devEui, { topic, key: devEui, value: new Uint8Array([next % 256]) });
      }
    };
    const onTopic = async () =>
      (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0);
    const outboxLeft = async () => (await a.store.outboxShards[shard]!.source.read(1_000)).length;

    const logs = captureLogs();
    const relay = (name: 'a' | 'b', source: OutboxSource, lease: RelayLease) => {
      const { publisher } = name === 'a' ? a : b;
      return startOutboxRelay({
        source,
        publish: async (records) => {
          published[name] += records.length;
          await publisher.publish(records);
        },
        logger: logs.logger.child({ replica: name }),
        idleMs: 20,
        retryMs: 50,
        lease,
        onLeaseTaken: () => publisher.forgetWatermarks(),
      });
    };
    const aLease = yieldingLease(a.lease);
    const relayA = relay('a', a.store.outboxShards[shard]!.source, aLease.lease);
    // B publishes, then "crashes" before trimming when told to: its ack never returns and it stops renewing. It
    // sees the outbox only once told to, so that it reads the whole batch at once.
    let bAcksHang = false;
    let bReads = false;
    const relayB = relay(
      'b',
      {
        read: async (limit) => (bReads ? b.store.outboxShards[shard]!.source.read(limit) : []),
        ack: (ids) =>
          bAcksHang ? new Promise<void>(() => undefined) : b.store.outboxShards[shard]!.source.ack(ids),
        count: () => b.store.outboxShards[shard]!.source.count(),
      },
      b.lease,
    );
    try {
      // Both replicas run; exactly one relays.
      await until('A to take the lease', async () => (await connections[0]!.get(leaseKey)) === 'a');
      await append(60);
      await until(
        'the first 60 on Kafka',
        async () => (await onTopic()) === 60 && (await outboxLeft()) === 0,
      );
      assert.deepEqual(published, { a: 60, b: 0 });

      // A steps away; B takes over, publishes 40 more, and crashes between Kafka's ack and the trim.
      bAcksHang = true;
      aLease.away(true);
      await until('B to take the lease', async () => (await connections[0]!.get(leaseKey)) === 'b');
      await append(40);
      bReads = true;
      await until('B to publish the 40', async () => (await onTopic()) === 100);
      assert.equal(await outboxLeft(), 40, 'B never trimmed');

      // A comes back; the lease expires a second after B's last renewal; A takes it, skips B's 40, relays new ones.
      aLease.away(false);
      await until('A to take the lease again', async () => (await connections[0]!.get(leaseKey)) === 'a');
      await until('A to trim what B left', async () => (await outboxLeft()) === 0);
      await append(20);
      await until('the last 20', async () => (await onTopic()) >= 120 && (await outboxLeft()) === 0);

      assert.equal(await onTopic(), 120, 'each outbox record on Kafka exactly once');
      const records = await readTopic(brokers, topic, { clientId: 'keys-lease-test' });
      const ids = records.map((r) => r.headers[outboxIdHeader]?.toString() ?? '');
      assert.equal(ids.length, 120);
      assert.equal(new Set(ids).size, 120);
      assert.ok(
        logs
          .grep('"replica":"a"')
          .some((r) => r.msg === 'outbox relay lease taken: this process relays the outbox'),
      );
      assert.equal(logs.grep('outbox relay lease taken').length, 3, 'A, then B, then A again');
    } finally {
      await relayA.stop();
      void relayB.stop(); // stuck in its hanging ack, as a crashed process would be
      await a.publisher.close();
      await b.publisher.close();
      await connections[0]?.del(outboxKey, leaseKey);
      void prefix;
      for (const redis of connections) redis.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
