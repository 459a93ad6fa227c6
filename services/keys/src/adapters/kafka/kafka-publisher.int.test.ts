import { requireInfra } from '@joinery/testing/infra';
import { Kafka, logLevel } from 'kafkajs';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { connectKafkaPublisher } from './kafka-publisher.js';

test(
  'the Kafka publisher delivers outbox records keyed by DevEUI, in order',
  { timeout: 60_000 },
  async () => {
    const { KAFKA_BROKERS } = requireInfra('KAFKA_BROKERS');
    const brokers = KAFKA_BROKERS.split(',');
    const topic = `joinery.test.keys.${randomUUID()}`;
    const kafka = new Kafka({ clientId: 'keys-test', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const publisher = await connectKafkaPublisher(brokers);
    const consumer = kafka.consumer({ groupId: `keys-test-${randomUUID()}` });
    try {
      await publisher.publish(
        [1, 2, 3].map((n) => ({ id: String(n), topic, key: '0102030405060708', value: new Uint8Array([n]) })),
      );
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received: [string, number][] = [];
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push([message.key?.toString() ?? '', message.value?.[0] ?? -1]);
            if (received.length === 3) resolve();
          },
        });
      });
      assert.deepEqual(received, [
        ['0102030405060708', 1],
        ['0102030405060708', 2],
        ['0102030405060708', 3],
      ]);
    } finally {
      await consumer.disconnect();
      await publisher.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
