import { Partitioners, type Message, type PartitionMetadata, type Producer } from 'kafkajs';

/** A record bound for one partition of a topic, the partition chosen by the caller. */
export interface PartitionedMessage extends Message {
  readonly partition: number;
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
 */
export async function sendByPartition(
  producer: Producer,
  topicMessages: readonly { readonly topic: string; readonly messages: readonly PartitionedMessage[] }[],
): Promise<void> {
  const calls = new Map<string, { topic: string; messages: PartitionedMessage[] }>();
  for (const { topic, messages } of topicMessages)
    for (const m of messages) {
      const at = `${m.partition}/${topic}`;
      const call = calls.get(at) ?? { topic, messages: [] };
      call.messages.push(m);
      calls.set(at, call);
    }
  const sent = await Promise.allSettled(
    [...calls.values()].map((call) => producer.sendBatch({ acks: -1, topicMessages: [call] })),
  );
  const failed = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
