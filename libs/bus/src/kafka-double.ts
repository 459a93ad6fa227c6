// Test double of a kafkajs client for the unit tests of the bus and of the keys relay's publisher: producers whose
// sendBatch is kafkajs's own send (`kafkajs/src/producer/sendMessages.js`, with its per-broker answers kept across
// retries) over a fake cluster of brokers, and an admin that reads the cluster's metadata and partition ends. Exported
// as `@joinery/bus/kafka-double`, for tests only.
import { createRequire } from 'node:module';
import { Partitioners, type Admin, type Producer, type ProducerBatch, type RecordMetadata } from 'kafkajs';
import type { KafkaClient } from './kafka-bus.js';

const require = createRequire(import.meta.url);
type SendMessages = (batch: ProducerBatch) => Promise<RecordMetadata[]>;
const createSendMessages = require('kafkajs/src/producer/sendMessages.js') as (deps: unknown) => SendMessages;
const createRetry = require('kafkajs/src/retry/index.js') as (options: unknown) => unknown;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export interface WrittenRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly id: string | undefined;
  /** Which producer (1, 2, …, in creation order) wrote it. */
  readonly producer: number;
}

export interface ClusterDouble {
  /** Leader per partition, per topic, as the clients' metadata has it (stale until a metadata refresh). */
  readonly leaders: Map<string, number[]>;
  /** Brokers that refuse connections; a metadata refresh moves their partitions to the next live broker. */
  readonly dead: Set<number>;
  /** Every record a broker appended, in order. */
  readonly written: WrittenRecord[];
  /** What happened, in order: `connect 1`, `send 1 start`, `send 1 end`, `disconnect 1`, … */
  readonly events: string[];
  /** The partition count the admin reports per topic (the topic's leaders' count unless set). */
  readonly adminCounts: Map<string, number>;
  /** Makes the next `n` producer connects fail. */
  failConnects(n: number): void;
  /** Makes the admin's metadata reads hang until `release()`. */
  holdAdmin(): { release(): void };
  /** Fails (not retriably) each produce call whose records include one of these keys. */
  readonly poisonKeys: Set<string>;
  readonly kafka: KafkaClient;
}

export function clusterDouble(options: { brokers?: number } = {}): ClusterDouble {
  const brokerIds = Array.from({ length: options.brokers ?? 3 }, (_, i) => i + 1);
  const leaders = new Map<string, number[]>();
  const dead = new Set<number>();
  const written: WrittenRecord[] = [];
  const events: string[] = [];
  const adminCounts = new Map<string, number>();
  const poisonKeys = new Set<string>();
  let connectFailures = 0;
  let adminHold: Promise<void> | undefined;
  let producers = 0;

  const elect = () => {
    for (const list of leaders.values())
      list.forEach((leader, partition) => {
        if (!dead.has(leader)) return;
        const alive = brokerIds.filter((b) => !dead.has(b));
        list[partition] = alive[(brokerIds.indexOf(leader) + 1) % alive.length]!;
      });
  };
  const partitionMetadata = (topic: string) =>
    (leaders.get(topic) ?? []).map((leader, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader,
      replicas: brokerIds,
      isr: brokerIds,
      offlineReplicas: [],
    }));

  const producer = (): Producer => {
    const n = ++producers;
    const brokers = new Map(
      brokerIds.map((nodeId) => [
        nodeId,
        {
          nodeId,
          async produce({
            topicData,
          }: {
            topicData: {
              topic: string;
              partitions: {
                partition: number;
                messages: { key: string; headers?: Record<string, string> }[];
              }[];
            }[];
          }) {
            await new Promise((resolve) => setImmediate(resolve));
            if (dead.has(nodeId))
              throw Object.assign(new Error(`Connection error: connect ECONNREFUSED broker ${nodeId}`), {
                name: 'KafkaJSConnectionError',
                retriable: true,
              });
            for (const { partitions } of topicData)
              for (const { messages } of partitions)
                if (messages.some((m) => poisonKeys.has(String(m.key))))
                  throw Object.assign(new Error('The broker received an out of order sequence number'), {
                    name: 'KafkaJSProtocolError',
                    type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
                    retriable: false,
                  });
            return {
              topics: topicData.map(({ topic, partitions }) => ({
                topicName: topic,
                partitions: partitions.map(({ partition, messages }) => {
                  const baseOffset = written.filter(
                    (w) => w.topic === topic && w.partition === partition,
                  ).length;
                  for (const m of messages)
                    written.push({
                      topic,
                      partition,
                      key: String(m.key),
                      id: m.headers?.['event_id']?.toString(),
                      producer: n,
                    });
                  return { partition, errorCode: 0, baseOffset: String(baseOffset) };
                }),
              })),
            };
          },
        },
      ]),
    );
    const cluster = {
      async refreshMetadataIfNecessary() {},
      async refreshMetadata() {
        elect();
      },
      async addMultipleTargetTopics() {},
      isConnected: () => true,
      removeBroker() {},
      findTopicPartitionMetadata: partitionMetadata,
      findLeaderForPartitions(topic: string, partitions: string[]) {
        // As kafkajs's Cluster: a partition missing from the metadata is left out without a word.
        const byLeader: Record<number, number[]> = {};
        for (const id of partitions.map(Number)) {
          const meta = partitionMetadata(topic).find((p) => p.partitionId === id);
          if (meta !== undefined) (byLeader[meta.leader] ??= []).push(id);
        }
        return byLeader;
      },
      async findBroker({ nodeId }: { nodeId: string }) {
        return brokers.get(Number(nodeId))!;
      },
    };
    const eosManager = {
      isTransactional: () => false,
      async acquireBrokerLock() {},
      async releaseBrokerLock() {},
      getSequence: () => 0,
      updateSequence() {},
      getProducerId: () => n,
      getProducerEpoch: () => 0,
    };
    const send = createSendMessages({
      logger: quiet,
      cluster,
      partitioner: Partitioners.DefaultPartitioner(),
      eosManager,
      retrier: createRetry({ retries: 5, initialRetryTime: 1, maxRetryTime: 5 }),
    });
    return {
      async connect() {
        events.push(`connect ${n}`);
        await new Promise((resolve) => setImmediate(resolve));
        if (connectFailures > 0) {
          connectFailures -= 1;
          throw Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
            name: 'KafkaJSConnectionError',
          });
        }
      },
      async disconnect() {
        events.push(`disconnect ${n}`);
      },
      async sendBatch(batch: ProducerBatch) {
        events.push(`send ${n} start`);
        try {
          return await send(batch);
        } finally {
          events.push(`send ${n} end`);
        }
      },
    } as unknown as Producer;
  };

  const admin = (): Admin =>
    ({
      async connect() {},
      async disconnect() {},
      async listTopics() {
        return [...leaders.keys()];
      },
      async createTopics({ topics }: { topics: { topic: string }[] }) {
        for (const { topic } of topics) if (!leaders.has(topic)) leaders.set(topic, [1, 2, 3]);
        return true;
      },
      async fetchTopicOffsets(topic: string) {
        return (leaders.get(topic) ?? []).map((_, partition) => ({
          partition,
          low: '0',
          high: String(written.filter((w) => w.topic === topic && w.partition === partition).length),
        }));
      },
      async fetchTopicMetadata({ topics }: { topics: string[] }) {
        await adminHold;
        return {
          topics: topics.map((name) => ({
            name,
            partitions: Array.from(
              { length: adminCounts.get(name) ?? leaders.get(name)?.length ?? 0 },
              (_, partitionId) => ({ partitionId }),
            ),
          })),
        };
      },
    }) as unknown as Admin;

  return {
    leaders,
    dead,
    written,
    events,
    adminCounts,
    poisonKeys,
    failConnects(n) {
      connectFailures = n;
    },
    holdAdmin() {
      let release: () => void = () => undefined;
      adminHold = new Promise<void>((resolve) => (release = resolve));
      return {
        release() {
          adminHold = undefined;
          release();
        },
      };
    },
    kafka: {
      producer,
      admin,
      consumer: () => {
        throw new Error('no consumers in the Kafka double');
      },
    } as unknown as KafkaClient,
  };
}
