import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { OutboxRecord } from '../../domain/ports.js';

/** An idempotent Kafka producer that publishes outbox records keyed by DevEUI, in outbox order. */
export async function connectKafkaPublisher(
  brokers: readonly string[],
): Promise<{ publish(records: readonly OutboxRecord[]): Promise<void>; close(): Promise<void> }> {
  const kafka = new Kafka({ clientId: 'joinery-keys', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    async publish(records) {
      const byTopic = new Map<string, { key: string; value: Buffer; headers: { event_source: string } }[]>();
      for (const r of records) {
        const messages = byTopic.get(r.topic) ?? [];
        messages.push({ key: r.key, value: Buffer.from(r.value), headers: { event_source: 'keys' } });
        byTopic.set(r.topic, messages);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    },
    close: () => producer.disconnect(),
  };
}
