import { requireInfra } from '@joinery/testing/infra';
import type { KafkaClient } from '@joinery/bus';
import { Kafka, logLevel, type Admin, type EachMessagePayload, type ProducerBatch } from 'kafkajs';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { connectKafkaPublisher, kafkaPublisherOn, outboxIdHeader } from './kafka-publisher.js';
import { partitionForKey } from './published-watermarks.js';

/**
 * Creates `topic` and waits until each of its partitions has a leader. Not `waitForLeaders`: its metadata request may
 * reach the broker before the broker knows the new topic, and it gives up on that answer (UNKNOWN_TOPIC_OR_PARTITION).
 */
async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
  for (const until = Date.now() + 30_000; ;) {
    const ready = await admin.fetchTopicMetadata({ topics: [topic] }).then(
      ({ topics }) =>
        topics[0]?.partitions.length === partitions && topics[0].partitions.every((p) => p.leader >= 0),
      () => false,
    );
    if (ready) return;
    if (Date.now() > until) throw new Error(`topic ${topic} has no leader for each partition after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A fresh topic of `partitions` on the test broker for `body`, with an admin client; both are removed afterwards,
 * also when creating the topic fails (an admin client left connected would keep the test file from ending).
 */
async function withTopic(
  partitions: number,
  body: (ctx: { brokers: string[]; kafka: Kafka; admin: Admin; topic: string }) => Promise<void>,
): Promise<void> {
  const { KAFKA_BROKERS } = requireInfra('KAFKA_BROKERS');
  const brokers = KAFKA_BROKERS.split(',');
  const topic = `joinery.test.keys.${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'keys-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopic(admin, topic, partitions);
    await body({ brokers, kafka, admin, topic });
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

const devEui = '0102030405060708';

/** Outbox record `n` for `topic`: id `n`, the one byte `n` as its value. */
const record = (topic: string, n: number, key = devEui) => ({
  id: String(n),
  topic,
  key,
  value: new Uint8Array([n]),
});

/** The first `count` records of `topic` from its beginning, read by a fresh consumer group, each as `pick` has it. */
async function readTopic<T>(
  kafka: Kafka,
  topic: string,
  count: number,
  pick: (payload: EachMessagePayload) => T,
): Promise<T[]> {
  const consumer = kafka.consumer({ groupId: `keys-test-${randomUUID()}` });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: T[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async (payload) => {
          received.push(pick(payload));
          if (received.length === count) resolve();
        },
      });
    });
    return received;
  } finally {
    await consumer.disconnect();
  }
}

const firstByte = ({ message }: EachMessagePayload) => message.value?.[0] ?? -1;

test(
  'the Kafka publisher delivers outbox records keyed by DevEUI, in order',
  { timeout: 60_000 },
  async () => {
    await withTopic(1, async ({ brokers, kafka, topic }) => {
      const publisher = await connectKafkaPublisher(brokers);
      try {
        await publisher.publish([1, 2, 3].map((n) => record(topic, n)));
        const received = await readTopic(kafka, topic, 3, (payload) => [
          payload.message.key?.toString() ?? '',
          firstByte(payload),
        ]);
        assert.deepEqual(received, [
          [devEui, 1],
          [devEui, 2],
          [devEui, 3],
        ]);
      } finally {
        await publisher.close();
      }
    });
  },
);

test(
  'a new publisher (the relay after a crash) skips the records Kafka already has: each outbox id once',
  { timeout: 90_000 },
  async () => {
    await withTopic(3, async ({ brokers, kafka, admin, topic }) => {
      const devEuis = [devEui, '1112131415161718', 'A1A2A3A4A5A6A7A8', 'F0F1F2F3F4F5F6F7'];
      const records = Array.from({ length: 40 }, (_, i) => ({
        id: `1700000000000-${i}`,
        topic,
        key: devEuis[i % devEuis.length]!,
        value: new Uint8Array([i]),
      }));
      const first = await connectKafkaPublisher(brokers);
      await first.publish(records.slice(0, 25));
      // The crash: the outbox still holds everything from record 10 on (acked only up to 9).
      await first.close();
      const second = await connectKafkaPublisher(brokers);
      await second.publish(records.slice(10, 30));
      await second.publish(records.slice(20, 40));
      await second.close();

      const received = await readTopic(kafka, topic, 40, ({ partition, message }) => ({
        id: message.headers?.[outboxIdHeader]?.toString() ?? '',
        key: message.key?.toString() ?? '',
        value: message.value?.[0] ?? -1,
        partition,
      }));
      // Anything left over would be a duplicate: read what the partitions end at.
      const offsets = await admin.fetchTopicOffsets(topic);
      assert.equal(
        offsets.reduce((n, o) => n + Number(o.high), 0),
        40,
      );
      assert.deepEqual(
        received.map((r) => r.value).sort((a, b) => a - b),
        records.map((_, i) => i),
      );
      for (const r of received) {
        assert.equal(r.id, `1700000000000-${r.value}`);
        assert.equal(r.partition, partitionForKey(topic, r.key, 3));
      }
    });
  },
);

test(
  'records of another outbox on the same topic never make this outbox skip its own (at least once instead)',
  { timeout: 90_000 },
  async () => {
    await withTopic(1, async ({ brokers, kafka, topic }) => {
      const other = await connectKafkaPublisher(brokers, { sourceId: 'outbox-b' });
      const ours = await connectKafkaPublisher(brokers, { sourceId: 'outbox-a' });
      try {
        // The other outbox's ids are far ahead of ours (another clock, another counter).
        await other.publish([{ ...record(topic, 9), id: '900' }]);
        await ours.publish([1, 2, 3].map((n) => record(topic, n)));
        assert.deepEqual(await readTopic(kafka, topic, 4, firstByte), [9, 1, 2, 3]);
      } finally {
        await ours.close();
        await other.close();
      }
    });
  },
);

test(
  'another outbox writing after ours: a restart still finds our last record under theirs and skips what is there',
  { timeout: 90_000 },
  async () => {
    await withTopic(1, async ({ brokers, kafka, admin, topic }) => {
      const ours = (n: number) => record(topic, n);
      const first = await connectKafkaPublisher(brokers, { sourceId: 'outbox-a' });
      await first.publish([1, 2, 3].map(ours));
      await first.close();
      // Another deployment's relay writes to the same partition after our crash.
      const other = await connectKafkaPublisher(brokers, { sourceId: 'outbox-b' });
      await other.publish([100, 101].map((n) => record(topic, n)));
      await other.close();
      // Our relay restarts with 2 and 3 still in its outbox (published, not trimmed), and 4 new.
      const second = await connectKafkaPublisher(brokers, { sourceId: 'outbox-a' });
      await second.publish([2, 3, 4].map(ours));
      await second.close();

      const offsets = await admin.fetchTopicOffsets(topic);
      assert.equal(Number(offsets[0]!.high), 6);
      assert.deepEqual(await readTopic(kafka, topic, 6, firstByte), [1, 2, 3, 100, 101, 4]);
    });
  },
);

test(
  'publishes of several outboxes waiting at once go out in one produce request, each outbox in its order',
  { timeout: 60_000 },
  async () => {
    await withTopic(1, async ({ brokers, kafka, topic }) => {
      const sources = ['shard-a', 'shard-b', 'shard-c'];
      const publisher = await connectKafkaPublisher(brokers, { sourceIds: sources, lingerMs: 20 });
      try {
        // Each shard's relay publishes on its own; the three calls wait together and share one request.
        await Promise.all(
          sources.map((source, s) =>
            publisher.publishFrom(
              source,
              [1, 2].map((n) => ({ ...record(topic, s * 10 + n), id: `1700000000000-${n}` })),
            ),
          ),
        );
        const received = await readTopic(kafka, topic, 6, (payload) => {
          const { batchContext } = payload.message as typeof payload.message & {
            batchContext: { firstOffset: string };
          };
          return { value: firstByte(payload), batch: batchContext.firstOffset };
        });
        assert.deepEqual(
          received.map((r) => r.value),
          [1, 2, 11, 12, 21, 22],
        );
        // One record batch on the partition: one produce request for the three outboxes.
        assert.deepEqual(new Set(received.map((r) => r.batch)), new Set(['0']));
      } finally {
        await publisher.close();
      }
    });
  },
);

test(
  'a publish spanning several partitions of one leader is one produce call, not one per partition',
  { timeout: 60_000 },
  async () => {
    await withTopic(3, async ({ kafka, topic }) => {
      // The real client, its producers' produce calls counted.
      const calls: ProducerBatch[] = [];
      const counted: KafkaClient = {
        admin: (config) => kafka.admin(config),
        consumer: (config) => kafka.consumer(config),
        producer: (config) => {
          const producer = kafka.producer(config);
          const sendBatch = producer.sendBatch.bind(producer);
          producer.sendBatch = (batch) => {
            calls.push(batch);
            return sendBatch(batch);
          };
          return producer;
        },
      };
      const publisher = await kafkaPublisherOn(counted, { sourceIds: ['shard-a'] });
      try {
        // Partitions 1, 0, 2, 1.
        const devEuis = ['0102030405060708', 'A1A2A3A4A5A6A7A8', '0000000000000004', 'F0F1F2F3F4F5F6F7'];
        const records = devEuis.map((key, n) => ({ ...record(topic, n, key), id: `1700000000000-${n}` }));
        assert.equal(new Set(devEuis.map((key) => partitionForKey(topic, key, 3))).size, 3);
        await publisher.publishFrom('shard-a', records);
        assert.equal(calls.length, 1);
        assert.deepEqual(
          calls[0]!.topicMessages!.flatMap((t) => t.messages.map((m) => m.key)),
          devEuis,
        );
        assert.deepEqual((await readTopic(kafka, topic, 4, firstByte)).sort(), [0, 1, 2, 3]);
      } finally {
        await publisher.close();
      }
    });
  },
);
