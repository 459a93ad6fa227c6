import { Partitioners, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import { busErrors } from './errors.js';

/** A record bound for one partition of a topic, the partition chosen by the caller. */
export interface PartitionedMessage extends Message {
  readonly partition: number;
}

export interface SendByPartitionOptions {
  /**
   * Most records in one produce call; a partition with more gets several calls, one after another, in order (a
   * broker refuses requests over its message.max.bytes). Unbounded unless set.
   */
  readonly maxRecordsPerCall?: number;
}

const defaultPartitioner = Partitioners.DefaultPartitioner();

/**
 * The partition kafkajs's default (Java-compatible, murmur2) partitioner picks for `key` in a topic of
 * `partitionCount` partitions: a record keeps the partition of its key whether the producer or we choose it.
 */
export function partitionForKey(topic: string, key: string, partitionCount: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    offlineReplicas: [],
  }));
  return defaultPartitioner({ topic, partitionMetadata, message: { key, value: null } });
}

/**
 * Sends every topic's messages with acks from all in-sync replicas, one produce call per partition (in parallel, each
 * partition's records in their order), and resolves once every call has: it rejects with the first failure after
 * all have settled, so the caller never tears its producer down under a send still in flight.
 *
 * Why one call per partition: a kafkajs send that spans several leaders keeps, across its internal retries, the
 * answers of the brokers that answered the first time. When a leader dies, its partitions move to brokers that
 * already answered, and the retry sends them nowhere: the send resolves without those records ever being written
 * (found by the broker-kill cluster test: accepted joins missing from the topic, no error logged). A call for one
 * partition has one leader, so a retry always goes to the partition's leader of the moment.
 *
 * And each call's answer must name its partition: kafkajs also resolves, without sending them, records for a
 * partition its metadata does not have (a count read elsewhere that no longer matches the topic). Such a call
 * rejects with `bus:not_acknowledged`.
 */
export async function sendByPartition(
  producer: Producer,
  topicMessages: readonly { readonly topic: string; readonly messages: readonly PartitionedMessage[] }[],
  options: SendByPartitionOptions = {},
): Promise<void> {
  const calls = new Map<string, { topic: string; partition: number; messages: PartitionedMessage[] }>();
  for (const { topic, messages } of topicMessages)
    for (const m of messages) {
      const at = `${m.partition}/${topic}`;
      const call = calls.get(at) ?? { topic, partition: m.partition, messages: [] };
      call.messages.push(m);
      calls.set(at, call);
    }
  const max = options.maxRecordsPerCall ?? Number.POSITIVE_INFINITY;
  const sendPartition = async ({
    topic,
    partition,
    messages,
  }: {
    topic: string;
    partition: number;
    messages: PartitionedMessage[];
  }) => {
    // A partition's chunks go one after another; after a failed one, none of the later ones is sent.
    for (let i = 0; i < messages.length; i += max) {
      const answers = await producer.sendBatch({
        acks: -1,
        topicMessages: [{ topic, messages: messages.slice(i, i + max) }],
      });
      const answer = answers.find((a) => a.topicName === topic && a.partition === partition);
      if (answer === undefined || answer.errorCode !== 0)
        throw busErrors.not_acknowledged({ topic, partition, error_code: answer?.errorCode ?? -1 });
    }
  };
  const sent = await Promise.allSettled([...calls.values()].map(sendPartition));
  const failed = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** Partitions a send left unacknowledged, as `sendAcknowledged` reports them before sending them again. */
export interface UnacknowledgedPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly records: number;
}

/**
 * Sends each topic's messages (which carry their partition) in one produce call per chunk of `maxRecordsPerCall`, as
 * kafkajs sends them (one request per leader), then checks the answer: every partition that got records must be
 * acknowledged. Those that are not were not written, although kafkajs resolved: a leader died mid-send and its
 * partitions moved to brokers that had already answered (kafkajs's retry skips those), or kafkajs's metadata lacks
 * the partition. They are sent again at once with `sendByPartition` (one call per partition, so one leader each),
 * before the next chunk, on the same producer: kafkajs rolled their sequence numbers back when their request failed,
 * so a copy the dead leader did write is taken by the new leader as the duplicate it is. Rejects with the first
 * failure, or with `bus:not_acknowledged` when a partition is still not acknowledged.
 *
 * When nothing fails this costs what a plain kafkajs send does (one request per leader), not one per partition.
 */
export async function sendAcknowledged(
  producer: Producer,
  topicMessages: readonly { readonly topic: string; readonly messages: readonly PartitionedMessage[] }[],
  options: SendByPartitionOptions & {
    readonly onUnacknowledged?: (left: UnacknowledgedPartitions) => void;
  } = {},
): Promise<void> {
  const max = options.maxRecordsPerCall ?? Number.POSITIVE_INFINITY;
  for (const { topic, messages } of topicMessages)
    for (let i = 0; i < messages.length; i += max) {
      const chunk = messages.slice(i, i + max);
      const answers = await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: chunk }] });
      const acknowledged = new Set(
        answers.filter((a) => a.topicName === topic && a.errorCode === 0).map((a) => a.partition),
      );
      const left = chunk.filter((m) => !acknowledged.has(m.partition));
      if (left.length === 0) continue;
      options.onUnacknowledged?.({
        topic,
        partitions: [...new Set(left.map((m) => m.partition))].sort((a, b) => a - b),
        records: left.length,
      });
      await sendByPartition(producer, [{ topic, messages: left }]);
    }
}
