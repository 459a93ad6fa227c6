import type { Logger } from '@joinery/logging';

/** One event: `topic`, the partition key (the DevEUI), the protobuf bytes, and the producer's id when it has one. */
export interface BusRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly id?: string;
  /** Where a consumed record came from (Kafka partition and offset), for logs and parking. */
  readonly source?: { readonly partition: number; readonly offset: string };
}

/** Handles one batch; a rejection redelivers the batch (after a pause), so handlers must be idempotent. */
export type BusHandler = (records: readonly BusRecord[]) => Promise<void>;

export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  readonly topic: string;
  /** Consumers with the same group share the topic's records; each group sees every record. */
  readonly groupId: string;
  readonly handler: BusHandler;
  /** Kafka: a new group starts at the oldest retained record (default) or only at new ones. */
  readonly fromBeginning?: boolean;
}

/**
 * The event bus port. Kafka in distributed mode, in-process in embedded mode; both deliver at least once, in order
 * per key, and only move past a batch once its handler resolved.
 */
export interface EventBus {
  /** Resolves once the records are durably accepted (Kafka acks=-1; in-process: every subscriber handled them). */
  publish(records: readonly BusRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * Records of `topic` not yet committed by `groupId`, per partition (Kafka: high watermark − committed offset).
   * The in-process bus holds nothing back, so it has no lag and leaves this out.
   */
  consumerLag?(groupId: string, topic: string): Promise<Map<number, number>>;
  close(): Promise<void>;
}

export type { Logger };
