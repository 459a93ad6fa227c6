import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { infraErrors } from './errors.js';
import { withAdmin } from './kafka-broker.js';

/** One record of a topic, as a test reads it back. */
export interface TopicRecord {
  readonly partition: number;
  /** The record's offset in its partition (kafkajs spells offsets as decimal strings). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

export interface ReadTopicOptions {
  /** The kafkajs client id; the consumer group is `<clientId>-<random>`, a group of this read alone. */
  readonly clientId: string;
  /** How long the read may take before it fails naming the partitions not read to their end; 60 s unless set. */
  readonly timeoutMs?: number;
}

/** A kafkajs client with its own logging off (a test asserts what it needs) and kafkajs's usual timeouts and retries. */
export function quietKafka(clientId: string, brokers: readonly string[]): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING });
}

/**
 * Every record of `topic` from its beginning to the end it has when the read starts, each once: a consumer-group
 * rebalance may hand a partition over again from its start, and a record already read (by partition and offset) is
 * not counted twice. Records appended meanwhile are left out.
 */
export async function readTopic(
  brokers: readonly string[],
  topic: string,
  options: ReadTopicOptions,
): Promise<TopicRecord[]> {
  const kafka = quietKafka(options.clientId, brokers);
  const ends = new Map(
    (await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic))).map((o) => [
      o.partition,
      BigInt(o.high),
    ]),
  );
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  const records: TopicRecord[] = [];
  if (remaining.size === 0) return records;
  const seen = new Set<string>();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const consumer = kafka.consumer({ groupId: `${options.clientId}-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            infraErrors.infra_timeout(
              { timeout_ms: timeoutMs },
              `${topic} not read to its end within ${timeoutMs / 1000} s: partitions ${[...remaining].join(',')} left`,
            ),
          ),
        timeoutMs,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition) ?? 0n;
          const offset = BigInt(message.offset);
          if (offset >= end || seen.has(`${partition}/${offset}`)) return;
          seen.add(`${partition}/${offset}`);
          const { key, value, headers } = message;
          records.push({ partition, offset: message.offset, key, value, headers: headers ?? {} });
          if (offset + 1n === end) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
