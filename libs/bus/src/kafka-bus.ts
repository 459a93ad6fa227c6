import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { BusRecord, EventBus, Logger, Subscription } from './bus.js';
import { busErrors } from './errors.js';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: Logger;
  /** Pause before a failed batch is handed to the handler again; 1000 ms unless set. */
  readonly retryMs?: number;
  /**
   * How long the broker may hold a consumer's fetch to gather `fetchMinBytes`; 50 ms unless set. Under load, fetches
   * then carry batches of records instead of one or two each, which saves most of the broker's and the consumers'
   * work per record, at the cost of at most this much delay.
   */
  readonly fetchMaxWaitMs?: number;
  /** What a fetch waits for (up to `fetchMaxWaitMs`); 64 KiB unless set (a few hundred join events). */
  readonly fetchMinBytes?: number;
}

const eventIdHeader = 'event_id';
/** Records per produce request; events are small (≈100–300 bytes), so this stays far below 1 MiB. */
const maxRecordsPerRequest = 1000;

/**
 * Kafka behind the bus port. Publishing uses one idempotent producer (acks from all in-sync replicas, one request
 * in flight, so records of a key keep their order). Each subscription is a consumer in its group that hands a
 * whole fetched batch to the handler, retries it until the handler resolves, and only then commits the offset:
 * a crash anywhere redelivers, nothing is skipped.
 */
export async function connectKafkaBus(options: KafkaBusOptions): Promise<EventBus> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  });
  let producer: Producer | undefined;
  let producing: Promise<Producer> | undefined;
  const consumers = new Set<Consumer>();
  let closed = false;

  /**
   * A consumer cannot subscribe to a topic whose partitions have no leader yet. Where the cluster lets clients
   * create topics (development, tests) a missing one is created and its leaders awaited; where topics are created
   * by the operator (deploy/) it already exists and this only reads metadata.
   */
  async function ensureTopic(topic: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          const existing = await admin.listTopics();
          if (!existing.includes(topic))
            await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
          await admin.fetchTopicMetadata({ topics: [topic] });
          return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          options.logger?.info({ err, topic }, 'waiting for the topic to be ready');
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  const producerReady = () =>
    (producing ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      producer = p;
      return p;
    })());

  return {
    async publish(records) {
      if (closed) throw busErrors.closed();
      if (records.length === 0) return;
      const p = await producerReady();
      const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
      for (const r of records) {
        const messages = byTopic.get(r.topic) ?? [];
        messages.push({
          key: r.key,
          value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
          headers: r.id === undefined ? {} : { [eventIdHeader]: r.id },
        });
        byTopic.set(r.topic, messages);
      }
      // Bounded requests: a consumer batch can hold thousands of records, and a broker refuses requests over its
      // message.max.bytes (1 MiB by default). Chunks go out in order, so per-key order is kept.
      try {
        for (const [topic, messages] of byTopic)
          for (let i = 0; i < messages.length; i += maxRecordsPerRequest)
            await p.sendBatch({
              acks: -1,
              topicMessages: [{ topic, messages: messages.slice(i, i + maxRecordsPerRequest) }],
            });
      } catch (err) {
        // Never send again from a producer session that failed a send: kafkajs keeps its sequence numbers where they
        // were (tulios/kafkajs#598) though the broker may have written the batch, so a later batch could be
        // acknowledged as that one's duplicate without being written. The next publish gets a new producer id.
        if (producer === p) {
          producer = undefined;
          producing = undefined;
        }
        await p.disconnect().catch(() => undefined);
        throw err;
      }
    },

    async subscribe({ topic, groupId, handler, fromBeginning }) {
      if (closed) throw busErrors.closed();
      if (topic === '' || groupId === '') throw busErrors.invalid_subscription({ topic, groupId });
      await ensureTopic(topic);
      const consumer = kafka.consumer({
        groupId,
        allowAutoTopicCreation: true,
        minBytes: options.fetchMinBytes ?? 64 * 1024,
        maxWaitTimeInMs: options.fetchMaxWaitMs ?? 50,
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: fromBeginning ?? true });
      let stopping = false;
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          const records: BusRecord[] = [];
          for (const m of batch.messages) {
            const id = m.headers?.[eventIdHeader];
            records.push({
              topic: batch.topic,
              key: m.key?.toString('utf8') ?? '',
              value: m.value === null ? new Uint8Array() : new Uint8Array(m.value),
              ...(id === undefined ? {} : { id: id.toString() }),
              source: { partition: batch.partition, offset: m.offset },
            });
          }
          if (records.length === 0) return;
          for (;;) {
            if (stopping || !isRunning() || isStale()) return;
            try {
              await handler(records);
              break;
            } catch (err) {
              options.logger?.warn(
                { err, topic, group: groupId, partition: batch.partition, records: records.length },
                'bus handler failed; redelivering the batch',
              );
              await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 1000));
              await heartbeat();
            }
          }
          const last = batch.messages[batch.messages.length - 1];
          if (last === undefined) return;
          resolveOffset(last.offset);
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
        },
      });
      consumers.add(consumer);
      const subscription: Subscription = {
        async close() {
          stopping = true;
          consumers.delete(consumer);
          await consumer.disconnect();
        },
      };
      return subscription;
    },

    async consumerLag(groupId, topic) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [ends, [committed]] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId, topics: [topic] }),
        ]);
        const lag = new Map<number, number>();
        for (const end of ends) {
          const at = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          // -1: the group has committed nothing on this partition yet; all retained records are pending.
          const from = BigInt(at) < 0n ? BigInt(end.low) : BigInt(at);
          lag.set(end.partition, Number(BigInt(end.high) - from));
        }
        return lag;
      } finally {
        await admin.disconnect();
      }
    },

    async close() {
      closed = true;
      await Promise.all([...consumers].map((c) => c.disconnect()));
      consumers.clear();
      await producing?.catch(() => undefined);
      await producer?.disconnect();
    },
  };
}
