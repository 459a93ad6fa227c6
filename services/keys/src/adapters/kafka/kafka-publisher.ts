import { randomUUID } from 'node:crypto';
import { sendAcknowledged, type KafkaClient, type PartitionedMessage } from '@joinery/bus';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger, OutboxRecord } from '../../domain/ports.js';
import { compareOutboxIds, isOutboxId } from './outbox-id.js';
import { PublishedWatermarks, type PlacedRecord } from './published-watermarks.js';

/** The header carrying the outbox id of a record: how the relay knows, after a crash, what Kafka already has. */
export const outboxIdHeader = 'outbox_id';
/** The header naming the outbox a record came from: watermarks are only learnt from records of the same outbox. */
export const outboxSourceHeader = 'outbox_source';

export interface KafkaPublisherOptions {
  readonly logger?: Logger;
  /**
   * Identifies the outbox this publisher relays (a hash of where it lives). Several outboxes may feed one topic (a
   * second deployment, a test): their ids are unrelated, so a partition whose last record came from another outbox
   * tells nothing about ours, and that partition falls back to at least once rather than risk skipping records.
   */
  readonly sourceId?: string;
  /**
   * Further outboxes this publisher relays with `publishFrom` (the keys outbox shards, ADR 0007): learnt from Kafka
   * in the same read of the partition ends as the first one asked for, so taking many shards costs one read.
   */
  readonly sourceIds?: readonly string[];
  readonly clientId?: string;
  /** Bound on reading the last records of each partition when a topic is first published to; 30 s unless set. */
  readonly probeTimeoutMs?: number;
  /**
   * How long a publish waits for other outboxes' publishes to share its produce request; 5 ms unless set. The 32
   * outbox shards each publish on their own: without it, every shard's batch of one or two events is a request of its
   * own, and a produce request costs the broker far more than the records in it.
   */
  readonly lingerMs?: number;
  /**
   * How many records back from the end of each partition to look for this outbox's last record (other outboxes may
   * have written after it); 5,000 unless set. A crash leaves at most one relay batch (500) unacknowledged.
   */
  readonly scanBack?: number;
}

export interface KafkaPublisher {
  /** Publishes the records not yet on Kafka; resolves once the broker has them (acks from all in-sync replicas). */
  publish(records: readonly OutboxRecord[]): Promise<void>;
  /**
   * As `publish`, for the records of the outbox `sourceId`: watermarks are per outbox. The publishes of all outboxes
   * waiting at once (for `lingerMs`, or for the request in flight) go out in one produce request, one request at a
   * time, each outbox's records in its order; they succeed or fail together.
   */
  publishFrom(sourceId: string | undefined, records: readonly OutboxRecord[]): Promise<void>;
  /**
   * Forgets what it learnt of the topics' ends (of one outbox, or of all); the next publish reads them again
   * (another relay may have written).
   */
  forgetWatermarks(sourceId?: string): void;
  close(): Promise<void>;
}

/**
 * An idempotent Kafka producer that publishes outbox records keyed by DevEUI, in outbox order, exactly once
 * (ADR 0005): each record carries its outbox id in a header and goes to an explicit partition (the one kafkajs's
 * default partitioner picks for its key); before the first publish to a topic the end of every partition is read for
 * this outbox's last record there, and records at or below the highest outbox id a partition holds are skipped — the
 * batch a crash left between the broker's ack and the outbox trim.
 */
export async function connectKafkaPublisher(
  brokers: readonly string[],
  options: KafkaPublisherOptions = {},
): Promise<KafkaPublisher> {
  const kafka = new Kafka({
    clientId: options.clientId ?? 'joinery-keys',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
  return kafkaPublisherOn(kafka, options);
}

/** `connectKafkaPublisher` on a given client (tests count its produce calls). */
export async function kafkaPublisherOn(
  kafka: KafkaClient,
  options: KafkaPublisherOptions = {},
): Promise<KafkaPublisher> {
  // The idempotent producer of the current session; replaced after every failed send (see the catch below).
  let producer: Producer | undefined;
  const connected = async (): Promise<Producer> => {
    if (producer === undefined) {
      const fresh = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await fresh.connect();
      producer = fresh;
    }
    return producer;
  };
  await connected();
  // Per topic, per outbox (`''` for none): what Kafka holds of it. A missing outbox is read with every other one
  // of `sourceIds` missing for that topic, in one pass over the partition ends.
  const watermarks = new Map<string, Map<string, PublishedWatermarks>>();
  const allSources = [...new Set([options.sourceId ?? '', ...(options.sourceIds ?? [])])];
  const watermarksOf = async (topic: string, source: string): Promise<PublishedWatermarks> => {
    const known = watermarks.get(topic) ?? new Map<string, PublishedWatermarks>();
    watermarks.set(topic, known);
    const cached = known.get(source);
    if (cached !== undefined) return cached;
    const missing = [...new Set([source, ...allSources])].filter((s) => !known.has(s));
    const read = await readWatermarks(kafka, topic, missing, options);
    for (const [s, marks] of read) known.set(s, marks);
    return known.get(source)!;
  };
  /** Publishes of any outbox waiting for the next produce request, in call order. */
  let pending: { sourceId: string | undefined; records: readonly OutboxRecord[]; done: Deferred }[] = [];
  let sending: Promise<void> | undefined;
  const lingerMs = options.lingerMs ?? 5;

  /** One produce request for every publish waiting (each outbox's records in its order); all succeed or all fail. */
  const publishNow = async (
    batch: readonly { sourceId: string | undefined; records: readonly OutboxRecord[] }[],
  ) => {
    const plans: { marks: PublishedWatermarks; placed: PlacedRecord[]; sourceId: string | undefined }[] = [];
    for (const { sourceId, records } of batch) {
      const byTopic = new Map<string, OutboxRecord[]>();
      for (const r of records) {
        const list = byTopic.get(r.topic) ?? [];
        list.push(r);
        byTopic.set(r.topic, list);
      }
      for (const [topic, list] of byTopic) {
        const marks = await watermarksOf(topic, sourceId ?? '');
        const placed = marks.unpublished(list);
        if (placed.length < list.length)
          options.logger?.info(
            { topic, skipped: list.length - placed.length },
            'outbox records already on Kafka skipped',
          );
        if (placed.length > 0) plans.push({ marks, placed, sourceId });
      }
    }
    if (plans.length === 0) return;
    const session = await connected();
    try {
      // One produce call per topic (one request per leader), then the partitions its answer left unacknowledged
      // again, one call each (see sendAcknowledged: a call spanning several leaders can resolve without the records
      // of a leader that died mid-send).
      const byTopic = new Map<string, PartitionedMessage[]>();
      for (const { marks, placed, sourceId } of plans) {
        const messages = byTopic.get(marks.topic) ?? [];
        for (const { record, partition } of placed)
          messages.push({
            key: record.key,
            value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
            partition,
            headers: {
              event_source: 'keys',
              [outboxIdHeader]: record.id,
              ...(sourceId === undefined ? {} : { [outboxSourceHeader]: sourceId }),
            },
          });
        byTopic.set(marks.topic, messages);
      }
      await sendAcknowledged(
        session,
        [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        {
          onUnacknowledged: (left) =>
            options.logger?.warn(
              { topic: left.topic, partitions: left.partitions, records: left.records },
              'outbox records a send left unacknowledged sent again, one call per partition',
            ),
        },
      );
    } catch (err) {
      // Part of the batch may be on Kafka (another partition, another broker): learn again what is.
      watermarks.clear();
      // And never send again from this producer session. kafkajs keeps an idempotent producer's sequence numbers
      // where they were when a send fails (tulios/kafkajs#598), though the broker may have written that batch: the
      // next batch would reuse its numbers and be acknowledged as its duplicate without being written (a silent
      // loss), or be refused as out of order forever after a leader change. A new producer id cannot collide.
      producer = undefined;
      await session.disconnect().catch(() => undefined);
      throw err;
    }
    for (const { marks, placed } of plans) marks.published(placed);
  };
  /** Sends what is waiting, one request at a time, until nothing is. */
  const send = async () => {
    await new Promise((resolve) => setTimeout(resolve, lingerMs));
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await publishNow(batch);
        for (const p of batch) p.done.resolve();
      } catch (err) {
        for (const p of batch) p.done.reject(err);
      }
    }
    sending = undefined;
  };
  const publishFrom = (sourceId: string | undefined, records: readonly OutboxRecord[]): Promise<void> => {
    const done = deferred();
    pending.push({ sourceId, records, done });
    sending ??= send();
    return done.promise;
  };

  return {
    publish: (records) => publishFrom(options.sourceId, records),
    publishFrom,
    forgetWatermarks: (sourceId) => {
      if (sourceId === undefined) watermarks.clear();
      else for (const known of watermarks.values()) known.delete(sourceId);
    },
    close: async () => {
      const last = producer;
      producer = undefined;
      await last?.disconnect();
    },
  };
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Reads, per outbox of `sources` (`''`: records without an `outbox_source`) and per partition of `topic`, the highest
 * outbox id of that outbox among the partition's last `scanBack` records (creating the topic when it is missing).
 */
async function readWatermarks(
  kafka: KafkaClient,
  topic: string,
  sources: readonly string[],
  options: KafkaPublisherOptions,
): Promise<Map<string, PublishedWatermarks>> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; high: string; low: string }[];
  try {
    if (!(await admin.listTopics()).includes(topic))
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const scanBack = BigInt(options.scanBack ?? 5000);
  const ranges = new Map<number, { from: bigint; last: bigint }>();
  for (const o of offsets) {
    const [low, high] = [BigInt(o.low), BigInt(o.high)];
    if (high > low)
      ranges.set(o.partition, { from: high - scanBack > low ? high - scanBack : low, last: high - 1n });
  }
  const highest =
    ranges.size === 0
      ? new Map<string, Map<number, string>>()
      : await readTails(kafka, topic, ranges, new Set(sources), options);
  options.logger?.info(
    {
      topic,
      partitions: offsets.length,
      outboxes: sources.length,
      ...(sources.length === 1 ? { published: Object.fromEntries(highest.get(sources[0]!) ?? []) } : {}),
    },
    'outbox watermarks read from Kafka',
  );
  return new Map(
    sources.map((s) => [s, new PublishedWatermarks(topic, offsets.length, highest.get(s) ?? new Map())]),
  );
}

/**
 * kafkajs has no manual partition assignment, so a throwaway consumer group (never committing) joins, seeks each
 * partition to the start of its tail and reads to its last record. Records of other outboxes on the topic (another
 * deployment, a test) are passed over: their ids are unrelated to ours. A partition whose tail holds none of ours
 * gives no watermark, and our records to it are published at least once rather than risk skipping one.
 */
async function readTails(
  kafka: KafkaClient,
  topic: string,
  ranges: ReadonlyMap<number, { from: bigint; last: bigint }>,
  sources: ReadonlySet<string>,
  options: KafkaPublisherOptions,
): Promise<Map<string, Map<number, string>>> {
  const consumer = kafka.consumer({ groupId: `joinery-keys-outbox-probe-${randomUUID()}` });
  const highest = new Map<string, Map<number, string>>();
  const pending = new Set(ranges.keys());
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = ranges.get(batch.partition);
        if (range === undefined || !pending.has(batch.partition)) return;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < range.from) continue;
          const id = m.headers?.[outboxIdHeader]?.toString();
          const source = m.headers?.[outboxSourceHeader]?.toString() ?? '';
          if (offset <= range.last && id !== undefined && isOutboxId(id) && sources.has(source)) {
            const ofSource = highest.get(source) ?? new Map<number, string>();
            highest.set(source, ofSource);
            const known = ofSource.get(batch.partition);
            if (known === undefined || compareOutboxIds(id, known) > 0) ofSource.set(batch.partition, id);
          }
          if (offset >= range.last) {
            if (sources.size === 1 && !highest.get([...sources][0]!)?.has(batch.partition))
              options.logger?.warn(
                { topic, partition: batch.partition, scanned_from: String(range.from) },
                'no record of this outbox at the end of the partition; its records there are published at least once',
              );
            pending.delete(batch.partition);
            if (pending.size === 0) finish();
            break;
          }
        }
      },
    });
    for (const [partition, { from }] of ranges) consumer.seek({ topic, partition, offset: String(from) });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`could not read the last records of ${topic} (partitions ${[...pending].join(',')})`),
            ),
          options.probeTimeoutMs ?? 30_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return highest;
  } finally {
    await consumer.disconnect();
  }
}
