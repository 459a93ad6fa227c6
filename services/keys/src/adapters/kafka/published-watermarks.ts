import { partitionForKey } from '@joinery/bus';
import type { OutboxRecord } from '../../domain/ports.js';
import { compareOutboxIds } from './outbox-id.js';

/** A record with the partition it goes to; the partition is passed to the producer explicitly. */
export interface PlacedRecord {
  readonly record: OutboxRecord;
  readonly partition: number;
}

export { partitionForKey };

/**
 * What one topic already holds: per partition, the highest outbox id published to it. The relay publishes in
 * outbox order and the producer keeps per-partition order (idempotent, one request in flight), so every record of a
 * partition up to that id is on Kafka and a record at or below it is a redelivery to skip (ADR 0005).
 */
export class PublishedWatermarks {
  readonly #highest: Map<number, string>;

  constructor(
    readonly topic: string,
    readonly partitionCount: number,
    highest: ReadonlyMap<number, string>,
  ) {
    this.#highest = new Map(highest);
  }

  highest(partition: number): string | undefined {
    return this.#highest.get(partition);
  }

  /** The records still to publish, in order, each with its partition; the rest are already on Kafka. */
  unpublished(records: readonly OutboxRecord[]): PlacedRecord[] {
    const out: PlacedRecord[] = [];
    for (const record of records) {
      const partition = partitionForKey(this.topic, record.key, this.partitionCount);
      const highest = this.#highest.get(partition);
      if (highest !== undefined && compareOutboxIds(record.id, highest) <= 0) continue;
      out.push({ record, partition });
    }
    return out;
  }

  /** Records that the broker acknowledged. */
  published(placed: readonly PlacedRecord[]): void {
    for (const { record, partition } of placed) {
      const highest = this.#highest.get(partition);
      if (highest === undefined || compareOutboxIds(record.id, highest) > 0)
        this.#highest.set(partition, record.id);
    }
  }
}
