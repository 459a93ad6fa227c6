import { JoineryError } from '@joinery/errors';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { BusRecord, EventBus, Logger, Subscription } from './bus.js';
import { defaultCommitIntervalMs, defaultFetchMaxWaitMs, defaultFetchMinBytes } from './config.js';
import { busErrors } from './errors.js';
import { partitionForKey, sendAcknowledged, type PartitionedMessage } from './kafka-send.js';
import { cachedPartitionCounts } from './partition-counts.js';

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
  /**
   * How long a consumer may keep the offsets of handled batches before committing them, all its partitions in one
   * request; 500 ms unless set (0: after every batch). Only handled offsets are ever committed: a crash or a rebalance
   * redelivers up to this much more (handlers are idempotent), never skips.
   */
  readonly commitIntervalMs?: number;
  /**
   * How long a publish waits for the partition count of a topic it has not published to yet (read once from the
   * cluster, the topic created where missing); 15 s unless set, then it rejects with `bus:topic_unavailable`.
   */
  readonly topicMetadataTimeoutMs?: number;
}

/** What the bus uses of a kafkajs client (tests hand in a double). */
export type KafkaClient = Pick<Kafka, 'admin' | 'consumer' | 'producer'>;

const eventIdHeader = 'event_id';
/** Records per produce request; events are small (≈100–300 bytes), so this stays far below 1 MiB. */
const maxRecordsPerRequest = 1000;

/**
 * Kafka behind the bus port. Publishing uses one idempotent producer (acks from all in-sync replicas, one request
 * in flight) and places each record on the partition kafkajs's default partitioner picks for its key, then sends
 * with `sendAcknowledged`: a kafkajs send spanning several leaders can resolve without the records of one that died
 * mid-send, so the partitions its answer leaves out are sent again, one call per partition. One send at a time: publishes that come while one is out wait and go together in the next, in
 * the order they came, so records of a key keep their order and no send overlaps a failed one. Each subscription
 * is a consumer in its group that hands a whole fetched batch to the handler, retries it until the handler resolves,
 * and only then marks its offset for the next commit (every `commitIntervalMs`, all partitions in one request, and on
 * close): a crash anywhere redelivers, nothing is skipped.
 */
export async function connectKafkaBus(options: KafkaBusOptions): Promise<EventBus> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  });
  return kafkaBusOn(kafka, options);
}

/** `connectKafkaBus` on a given client. */
export async function kafkaBusOn(
  kafka: KafkaClient,
  options: Omit<KafkaBusOptions, 'brokers' | 'clientId'>,
): Promise<EventBus> {
  let producer: Producer | undefined;
  let producing: Promise<Producer> | undefined;
  const subscriptions = new Set<Subscription>();
  let closed = false;

  /**
   * A consumer cannot subscribe to a topic whose partitions have no leader yet. Where the cluster lets clients
   * create topics (development, tests) a missing one is created and its leaders awaited; where topics are created
   * by the operator (deploy/) it already exists and this only reads metadata.
   */
  async function ensureTopic(topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        try {
          const existing = await admin.listTopics();
          if (!existing.includes(topic))
            await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          return topics.find((t) => t.name === topic)?.partitions.length ?? 0;
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

  // A failed connect is not kept: during a broker outage a new idempotent producer's connect fails whenever kafkajs
  // asks the dead broker for its producer id (about half the time, measured), and a kept rejection would fail every
  // later publish for good (a consumer that publishes, like billing, then stalls).
  const producerReady = () =>
    (producing ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      try {
        await p.connect();
      } catch (err) {
        producing = undefined;
        await p.disconnect().catch(() => undefined);
        throw err;
      }
      producer = p;
      return p;
    })());

  const partitionCounts = cachedPartitionCounts(ensureTopic, {
    timeoutMs: options.topicMetadataTimeoutMs ?? 15_000,
  });

  /** Publishes waiting for the send in flight, in the order they came. */
  let waiting: {
    readonly byTopic: ReadonlyMap<string, readonly PartitionedMessage[]>;
    resolve(): void;
    reject(err: unknown): void;
  }[] = [];
  let sending: Promise<void> | undefined;

  /** One send of everything waiting: per partition, in order, in chunks a broker takes. */
  async function sendNow(byTopic: ReadonlyMap<string, readonly PartitionedMessage[]>): Promise<void> {
    const p = await producerReady();
    try {
      await sendAcknowledged(
        p,
        [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        {
          // Bounded requests: a consumer batch can hold thousands of records, and a broker refuses requests over its
          // message.max.bytes (1 MiB by default).
          maxRecordsPerCall: maxRecordsPerRequest,
          onUnacknowledged: (left) =>
            options.logger?.warn(
              { topic: left.topic, partitions: left.partitions, records: left.records },
              'records a send left unacknowledged sent again, one call per partition',
            ),
        },
      );
    } catch (err) {
      // A partition the producer does not know: the topic may have changed since its count was read.
      if (JoineryError.is(err, busErrors.not_acknowledged.code)) {
        const topic = String(err.details['topic']);
        partitionCounts.forget(topic);
        options.logger?.warn(
          { topic, partition: err.details['partition'] },
          'a partition was not acknowledged',
        );
      }
      // Never send again from a producer session that failed a send: kafkajs keeps its sequence numbers where they
      // were (tulios/kafkajs#598) though the broker may have written the batch, so a later batch could be
      // acknowledged as that one's duplicate without being written. The next publish gets a new producer id. No other
      // send is in flight on this session (one send at a time, and sendAcknowledged settles all its calls first).
      if (producer === p) {
        producer = undefined;
        producing = undefined;
      }
      await p.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      const byTopic = new Map<string, PartitionedMessage[]>();
      for (const w of batch)
        for (const [topic, messages] of w.byTopic) {
          const all = byTopic.get(topic) ?? [];
          all.push(...messages);
          byTopic.set(topic, all);
        }
      try {
        await sendNow(byTopic);
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    sending = undefined;
  }

  return {
    async publish(records) {
      if (closed) throw busErrors.closed();
      if (records.length === 0) return;
      const byTopic = new Map<string, BusRecord[]>();
      for (const r of records) {
        const list = byTopic.get(r.topic) ?? [];
        list.push(r);
        byTopic.set(r.topic, list);
      }
      const placed = new Map<string, PartitionedMessage[]>();
      await Promise.all(
        [...byTopic].map(async ([topic, list]) => {
          const count = await partitionCounts.of(topic);
          placed.set(
            topic,
            list.map((r) => ({
              key: r.key,
              value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
              headers: r.id === undefined ? {} : { [eventIdHeader]: r.id },
              partition: partitionForKey(topic, r.key, count),
            })),
          );
        }),
      );
      if (closed) throw busErrors.closed();
      // Topics in the order the records named them (the map above fills in lookup order).
      const ordered = new Map([...byTopic.keys()].map((topic) => [topic, placed.get(topic)!]));
      await new Promise<void>((resolve, reject) => {
        waiting.push({ byTopic: ordered, resolve, reject });
        sending ??= drain();
      });
    },

    async subscribe({ topic, groupId, handler, fromBeginning }) {
      if (closed) throw busErrors.closed();
      if (topic === '' || groupId === '') throw busErrors.invalid_subscription({ topic, groupId });
      await ensureTopic(topic);
      const consumer = kafka.consumer({
        groupId,
        allowAutoTopicCreation: true,
        minBytes: options.fetchMinBytes ?? defaultFetchMinBytes,
        maxWaitTimeInMs: options.fetchMaxWaitMs ?? defaultFetchMaxWaitMs,
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: fromBeginning ?? true });
      let stopping = false;
      const commitIntervalMs = options.commitIntervalMs ?? defaultCommitIntervalMs;
      /** Per partition, the offset after the last handled batch, not committed yet. */
      const handled = new Map<number, string>();
      // The first commit waits for the interval too: the batches of the first fetches share it.
      let lastCommit = Date.now();
      let flushTimer: NodeJS.Timeout | undefined;
      let commits: Promise<void> = Promise.resolve();
      /** Commits what is handled, one commit at a time; a failed commit is logged, and its records come again. */
      const commitHandled = () => {
        clearTimeout(flushTimer);
        flushTimer = undefined;
        commits = commits.then(async () => {
          if (handled.size === 0) return;
          const offsets = [...handled].map(([partition, offset]) => ({ topic, partition, offset }));
          handled.clear();
          lastCommit = Date.now();
          await consumer
            .commitOffsets(offsets)
            .catch((err: unknown) =>
              options.logger?.warn(
                { err, topic, group: groupId, partitions: offsets.length },
                'offset commit failed; those records will be delivered again',
              ),
            );
        });
        return commits;
      };
      // A rebalance may hand a partition to another member: its offsets held here are dropped, not committed later
      // over that member's (they are delivered again there instead).
      consumer.on(consumer.events.REBALANCING, () => handled.clear());
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
          handled.set(batch.partition, (BigInt(last.offset) + 1n).toString());
          const due = lastCommit + commitIntervalMs - Date.now();
          if (due <= 0) await commitHandled();
          else flushTimer ??= setTimeout(() => void commitHandled(), due).unref();
        },
      });
      const subscription: Subscription = {
        async close() {
          stopping = true;
          subscriptions.delete(subscription);
          await commitHandled();
          await consumer.disconnect();
        },
      };
      subscriptions.add(subscription);
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
      // Each commits what its handler finished before it disconnects.
      await Promise.all([...subscriptions].map((s) => s.close()));
      // The producer is not torn down under a send in flight: what was accepted before close goes out first.
      while (sending !== undefined) await sending;
      await producing?.catch(() => undefined);
      await producer?.disconnect();
    },
  };
}
