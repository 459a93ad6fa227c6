import type { BusHandler, BusRecord, EventBus, Logger, Subscription } from './bus.js';
import { busErrors } from './errors.js';

interface Group {
  readonly handlers: BusHandler[];
  /** Round-robin over the group's members, as Kafka shares partitions between them. */
  next: number;
  /** One batch at a time per group, so a group sees the records in publish order. */
  tail: Promise<void>;
}

/**
 * The embedded mode's bus. It holds nothing itself: `publish` hands the records to one member of every group
 * subscribed to the topic and resolves once all of them resolved, or rejects if one failed. Durability comes from
 * the caller's outbox, which keeps a record until `publish` resolved (at least once across restarts).
 */
export function createInProcessBus(options: { logger?: Logger } = {}): EventBus {
  const groups = new Map<string, Map<string, Group>>();
  let closed = false;

  async function deliver(topic: string, records: readonly BusRecord[]): Promise<void> {
    const failures: unknown[] = [];
    await Promise.all(
      [...(groups.get(topic)?.values() ?? [])].map((group) => {
        const handler = group.handlers[group.next++ % group.handlers.length];
        if (handler === undefined) return Promise.resolve();
        const run = group.tail.then(() => handler(records));
        group.tail = run.catch(() => undefined);
        return run.catch((err: unknown) => {
          failures.push(err);
        });
      }),
    );
    if (failures.length > 0) {
      options.logger?.warn(
        { err: failures[0], topic, records: records.length },
        'in-process subscriber failed',
      );
      throw busErrors.handler_failed({ topic, failures: failures.length }, undefined, failures[0]);
    }
  }

  return {
    async publish(records) {
      if (closed) throw busErrors.closed();
      const byTopic = new Map<string, BusRecord[]>();
      for (const record of records) {
        const batch = byTopic.get(record.topic);
        if (batch === undefined) byTopic.set(record.topic, [record]);
        else batch.push(record);
      }
      for (const [topic, batch] of byTopic) await deliver(topic, batch);
    },
    async subscribe({ topic, groupId, handler }) {
      if (closed) throw busErrors.closed();
      if (topic === '' || groupId === '') throw busErrors.invalid_subscription({ topic, groupId });
      const byGroup = groups.get(topic) ?? new Map<string, Group>();
      groups.set(topic, byGroup);
      const group = byGroup.get(groupId) ?? { handlers: [], next: 0, tail: Promise.resolve() };
      byGroup.set(groupId, group);
      group.handlers.push(handler);
      const subscription: Subscription = {
        async close() {
          const at = group.handlers.indexOf(handler);
          if (at >= 0) group.handlers.splice(at, 1);
          await group.tail;
          if (group.handlers.length === 0) byGroup.delete(groupId);
        },
      };
      return subscription;
    },
    async close() {
      closed = true;
      await Promise.all([...groups.values()].flatMap((byGroup) => [...byGroup.values()].map((g) => g.tail)));
      groups.clear();
    },
  };
}
