import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { quietKafka, requireInfra } from '@joinery/testing/infra';
import { Kafka, logLevel } from 'kafkajs';
import type { BusRecord } from './bus.js';
import { connectKafkaBus, kafkaBusOn, type KafkaClient } from './kafka-bus.js';

const { KAFKA_BROKERS } = requireInfra('KAFKA_BROKERS');
const brokers = KAFKA_BROKERS.split(',');

async function until(check: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('Kafka: records arrive with key, bytes and event id; a failing handler gets the batch again; commits only after success', async () => {
  const topic = `bus-test-${randomUUID()}`;
  const groupId = `g-${randomUUID()}`;
  const bus = await connectKafkaBus({ brokers, clientId: 'bus-test', retryMs: 50 });
  const seen: BusRecord[] = [];
  let failures = 2;
  const records = Array.from({ length: 20 }, (_, i) => ({
    topic,
    key: `DEV${i % 4}`,
    value: new Uint8Array([i]),
    id: `e${i}`,
  }));
  await bus.publish(records);
  const sub = await bus.subscribe({
    topic,
    groupId,
    handler: async (batch) => {
      if (failures > 0) {
        failures--;
        throw new Error('ledger down');
      }
      seen.push(...batch);
    },
  });
  await until(() => seen.length >= 20, 'all 20 records handled');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await sub.close();
  assert.equal(seen.length, 20);
  assert.equal(failures, 0);
  assert.deepEqual(new Set(seen.map((r) => r.id)), new Set(records.map((r) => r.id)));
  for (const r of seen) {
    const n = Number(r.id?.slice(1));
    assert.equal(r.key, `DEV${n % 4}`);
    assert.deepEqual([...r.value], [n]);
    assert.ok(r.source !== undefined);
  }
  // Per key, the order of publishing is kept.
  for (let k = 0; k < 4; k++) {
    const ids = seen.filter((r) => r.key === `DEV${k}`).map((r) => Number(r.id?.slice(1)));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
  }

  // The same group, later: only what came after the committed offsets.
  await bus.publish([{ topic, key: 'DEV9', value: new Uint8Array([99]), id: 'late' }]);
  const again: BusRecord[] = [];
  const sub2 = await bus.subscribe({ topic, groupId, handler: async (batch) => void again.push(...batch) });
  await until(() => again.length >= 1, 'the late record');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await sub2.close();
  assert.deepEqual(
    again.map((r) => r.id),
    ['late'],
  );
  await bus.close();
});

test('Kafka: one publish larger than a produce request may be (3 MB) goes out in order-keeping chunks', async () => {
  const topic = `bus-big-${randomUUID()}`;
  const bus = await connectKafkaBus({ brokers, clientId: 'bus-test' });
  const records = Array.from({ length: 6000 }, (_, i) => ({
    topic,
    key: `DEV${i % 3}`,
    value: new Uint8Array(500).fill(i % 256),
    id: `b${i}`,
  }));
  await bus.publish(records);
  const seen: BusRecord[] = [];
  const sub = await bus.subscribe({
    topic,
    groupId: `g-${randomUUID()}`,
    handler: async (batch) => void seen.push(...batch),
  });
  await until(() => seen.length >= records.length, 'all 6000 records');
  await sub.close();
  await bus.close();
  assert.equal(seen.length, records.length);
  for (let k = 0; k < 3; k++) {
    const ids = seen.filter((r) => r.key === `DEV${k}`).map((r) => Number(r.id?.slice(1)));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
  }
});

test('Kafka: consumer lag counts what a group has not committed yet, and drops to 0 once it has', async () => {
  const topic = `bus-lag-${randomUUID()}`;
  const groupId = `g-${randomUUID()}`;
  const bus = await connectKafkaBus({ brokers, clientId: 'bus-test' });
  await bus.publish(
    Array.from({ length: 5 }, (_, i) => ({ topic, key: `K${i}`, value: new Uint8Array([i]) })),
  );
  const total = async () =>
    [...((await bus.consumerLag?.(groupId, topic)) ?? new Map()).values()].reduce((a, b) => a + b, 0);
  assert.equal(await total(), 5);
  let seen = 0;
  const sub = await bus.subscribe({ topic, groupId, handler: async (batch) => void (seen += batch.length) });
  await until(() => seen >= 5, 'the 5 records');
  const deadline = Date.now() + 20_000;
  while ((await total()) !== 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await total(), 0);
  await sub.close();
  await bus.close();
});

test('Kafka: a fetch waits for more records (fetchMaxWaitMs), so records published one by one arrive as batches', async () => {
  const topic = `bus-test-${randomUUID()}`;
  const bus = await connectKafkaBus({ brokers, clientId: 'bus-test', fetchMaxWaitMs: 2000 });
  const batches: number[] = [];
  const sub = await bus.subscribe({
    topic,
    groupId: `g-${randomUUID()}`,
    handler: async (batch) => void batches.push(batch.length),
  });
  try {
    // Wait for the group to form and its first fetch to be held at the broker, then publish one record at a time.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const started = Date.now();
    for (let i = 0; i < 10; i++)
      await bus.publish([{ topic, key: 'DEV1', value: new Uint8Array([i]), id: `e${i}` }]);
    const publishingMs = Date.now() - started;
    await until(() => batches.reduce((a, b) => a + b, 0) >= 10, 'all 10 records handled');
    // Published within one or two held fetches: at most a few batches, not one per record.
    if (publishingMs < 1500) assert.ok(batches.length <= 3, `batches ${JSON.stringify(batches)}`);
  } finally {
    await sub.close();
    await bus.close();
  }
});

test('Kafka: publish puts each record where kafkajs’s producer puts its key, in a topic of 5 partitions made beforehand', async () => {
  const topic = `bus-parts-${randomUUID()}`;
  const kafka = quietKafka('bus-test', brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 5 }], waitForLeaders: true });
  await admin.disconnect();
  const keys = Array.from({ length: 20 }, (_, i) => `70B3D57ED00000${String(i).padStart(2, '0')}`);
  const bus = await connectKafkaBus({ brokers, clientId: 'bus-test' });
  await bus.publish(keys.map((key, i) => ({ topic, key, value: new Uint8Array([i]), id: `bus-${i}` })));
  // The same keys through a plain kafkajs producer choosing partitions itself.
  const plain = kafka.producer();
  await plain.connect();
  await plain.send({
    topic,
    messages: keys.map((key, i) => ({ key, value: Buffer.from([i]), headers: { event_id: `plain-${i}` } })),
  });
  await plain.disconnect();
  const seen: BusRecord[] = [];
  const sub = await bus.subscribe({
    topic,
    groupId: `g-${randomUUID()}`,
    handler: async (batch) => void seen.push(...batch),
  });
  try {
    await until(() => seen.length >= 2 * keys.length, 'both copies of every key');
  } finally {
    await sub.close();
    await bus.close();
  }
  const partitionOf = (id: string) => seen.find((r) => r.id === id)?.source?.partition;
  for (let i = 0; i < keys.length; i++)
    assert.equal(partitionOf(`bus-${i}`), partitionOf(`plain-${i}`), keys[i]);
  assert.ok(new Set(seen.map((r) => r.source?.partition)).size >= 4, 'keys spread over the partitions');
});

test('Kafka: with commitIntervalMs, the batches of several partitions are committed in one request, and close commits what is handled', async () => {
  const topic = `bus-commit-${randomUUID()}`;
  const groupId = `g-${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'bus-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  // The real client, its consumers' offset commits counted.
  const commits: { partition: number }[][] = [];
  const counted: KafkaClient = {
    admin: (config) => kafka.admin(config),
    producer: (config) => kafka.producer(config),
    consumer: (config) => {
      const consumer = kafka.consumer(config);
      const commitOffsets = consumer.commitOffsets.bind(consumer);
      consumer.commitOffsets = (offsets) => {
        commits.push(offsets.map(({ partition }) => ({ partition })));
        return commitOffsets(offsets);
      };
      return consumer;
    },
  };
  const bus = await kafkaBusOn(counted, { commitIntervalMs: 600_000 });
  try {
    const records = Array.from({ length: 30 }, (_, i) => ({
      topic,
      key: `K${i}`,
      value: new Uint8Array([i]),
    }));
    await bus.publish(records);
    const partitions = new Set<number>();
    let seen = 0;
    const sub = await bus.subscribe({
      topic,
      groupId,
      handler: async (batch) => {
        seen += batch.length;
        for (const r of batch) partitions.add(r.source!.partition);
      },
    });
    await until(() => seen >= 30, 'the 30 records');
    assert.equal(partitions.size, 3, 'the records span the 3 partitions');
    await sub.close();
    assert.deepEqual(
      commits.map((c) => c.map((o) => o.partition).sort()),
      [[0, 1, 2]],
    );
    const lag = (await bus.consumerLag?.(groupId, topic)) ?? new Map();
    assert.deepEqual([...lag.values()], [0, 0, 0]);
  } finally {
    await bus.close();
  }
});
