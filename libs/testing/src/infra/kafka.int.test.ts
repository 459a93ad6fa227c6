import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { requireInfra } from './require-infra.js';

let kafka: Kafka;
let admin: Admin;
const topic = `joinery.infra-smoke.${randomUUID()}`;

before(async () => {
  const { KAFKA_BROKERS } = requireInfra('KAFKA_BROKERS');
  kafka = new Kafka({
    clientId: 'joinery-infra-smoke',
    brokers: KAFKA_BROKERS.split(','),
    logLevel: logLevel.ERROR,
  });
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

test('an idempotent producer and a consumer group round-trip keyed messages through the test Kafka', async () => {
  assert.equal(
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }),
    true,
  );
  const sent = [
    { key: '0004A30B001C0530', value: 'join-1' },
    { key: '70B3D57ED005A0B1', value: 'join-1' },
    { key: '0004A30B001C0530', value: 'join-2' },
    { key: 'FFFFFFFFFFFFFFFE', value: 'join-1' },
    { key: '70B3D57ED005A0B1', value: 'join-2' },
    { key: '0004A30B001C0530', value: 'join-3' },
  ];

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const records = await producer.send({ topic, messages: sent });
  await producer.disconnect();
  assert.equal(
    records.reduce((n, r) => n + (r.errorCode === 0 ? 1 : 0), 0),
    records.length,
  );

  const groupId = `joinery-infra-smoke-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  const received: { key: string; value: string; partition: number }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const allReceived = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`received ${received.length} of ${sent.length} messages`)),
      60_000,
    );
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          partition,
        });
        if (received.length >= sent.length) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await allReceived;
  } finally {
    await consumer.disconnect();
  }

  const byKey = (list: { key: string; value: string }[]) =>
    Object.fromEntries(
      [...new Set(list.map((m) => m.key))]
        .sort()
        .map((k) => [k, list.filter((m) => m.key === k).map((m) => m.value)]),
    );
  // Per key, order is kept (one key, one partition).
  assert.deepEqual(byKey(received), byKey(sent));
  assert.equal(received.length, sent.length);
  for (const key of new Set(sent.map((m) => m.key))) {
    assert.equal(
      new Set(received.filter((m) => m.key === key).map((m) => m.partition)).size,
      1,
      `partitions of ${key}`,
    );
  }
  // The group committed what it consumed: a restarted member would not see these messages again.
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  assert.equal(
    committed?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0),
    sent.length,
  );
});
