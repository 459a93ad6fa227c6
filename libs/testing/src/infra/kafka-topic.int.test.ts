import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import type { Admin, Kafka } from 'kafkajs';
import { infraErrors } from './errors.js';
import { quietKafka, readTopic } from './kafka-topic.js';
import { requireInfra } from './require-infra.js';

let brokers: string[];
let kafka: Kafka;
let admin: Admin;
const run = randomUUID();
const topics: string[] = [];

before(async () => {
  brokers = requireInfra('KAFKA_BROKERS').KAFKA_BROKERS.split(',');
  kafka = quietKafka('joinery-read-topic-test', brokers);
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
});

async function newTopic(partitions: number): Promise<string> {
  const topic = `joinery.read-topic.${run}.${topics.length}`;
  topics.push(topic);
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

test('readTopic returns every record from the beginning to the end the topic had, each once, with key and headers', async () => {
  const topic = await newTopic(3);
  const producer = kafka.producer();
  await producer.connect();
  const sent = Array.from({ length: 12 }, (_, i) => ({
    key: `device-${i % 5}`,
    value: `record-${i}`,
    headers: { outbox_id: `id-${i}` },
  }));
  try {
    await producer.send({ topic, messages: sent });
    const records = await readTopic(brokers, topic, { clientId: 'read-topic-test' });
    const view = records
      .map((r) => ({
        key: r.key?.toString(),
        value: r.value?.toString(),
        headers: { outbox_id: r.headers['outbox_id']?.toString() },
      }))
      .sort((a, b) => Number(a.value!.slice(7)) - Number(b.value!.slice(7)));
    assert.deepEqual(view, sent);
    assert.equal(new Set(records.map((r) => `${r.partition}/${r.offset}`)).size, sent.length);

    // What is appended after a read is the next read's: the end is the one the topic has when the read starts.
    await producer.send({ topic, messages: [{ key: 'device-0', value: 'record-12' }] });
    assert.equal((await readTopic(brokers, topic, { clientId: 'read-topic-test' })).length, 13);
  } finally {
    await producer.disconnect();
  }
});

test('readTopic of an empty topic is empty at once', async () => {
  const topic = await newTopic(2);
  assert.deepEqual(await readTopic(brokers, topic, { clientId: 'read-topic-test', timeoutMs: 1 }), []);
});

test('readTopic fails with testing:infra_timeout when the end cannot be reached in time', async () => {
  // A committed transaction ends the partition with its commit marker, an offset no consumer is handed.
  const topic = await newTopic(1);
  const producer = kafka.producer({
    transactionalId: `read-topic-test-${run}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    await tx.send({ topic, messages: [{ key: 'k', value: 'v' }] });
    await tx.commit();
  } finally {
    await producer.disconnect();
  }
  // The coordinator writes the marker after the commit returns: wait until the end counts it (record and marker).
  const deadline = Date.now() + 30_000;
  while ((await admin.fetchTopicOffsets(topic))[0]?.high !== '2') {
    assert.ok(Date.now() < deadline, 'the commit marker reached the end of the partition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await assert.rejects(
    readTopic(brokers, topic, { clientId: 'read-topic-test', timeoutMs: 3_000 }),
    (err) => {
      assert.ok(JoineryError.is(err, infraErrors.infra_timeout.code), String(err));
      return true;
    },
  );
});
