import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureLogs } from '@joinery/logging';
import type { BusRecord } from './bus.js';
import { startOutboxRelay, type OutboxSource } from './outbox-relay.js';

function memoryOutbox(count: number): OutboxSource & { left(): string[] } {
  let records = Array.from({ length: count }, (_, i) => ({
    id: String(i + 1).padStart(4, '0'),
    topic: 't',
    key: 'K',
    value: new Uint8Array([i]),
  }));
  return {
    async read(limit) {
      return records.slice(0, limit);
    },
    async ack(ids) {
      records = records.filter((r) => !ids.includes(r.id));
    },
    left: () => records.map((r) => r.id),
  };
}

test('the relay publishes in outbox order and deletes only what was published; a failed publish is retried', async () => {
  const outbox = memoryOutbox(7);
  const published: string[] = [];
  let failures = 1;
  const relay = startOutboxRelay({
    source: outbox,
    batchSize: 3,
    idleMs: 5,
    retryMs: 5,
    logger: captureLogs().logger,
    publish: async (records: readonly BusRecord[]) => {
      if (failures-- > 0) throw new Error('broker away');
      published.push(...records.map((r) => r.id ?? ''));
    },
  });
  await relay.drained();
  await relay.stop();
  assert.deepEqual(published, ['0001', '0002', '0003', '0004', '0005', '0006', '0007']);
  assert.deepEqual(outbox.left(), []);
});

test('records stay in the outbox while publishing fails', async () => {
  const outbox = memoryOutbox(2);
  const relay = startOutboxRelay({
    source: outbox,
    idleMs: 5,
    retryMs: 5,
    logger: captureLogs().logger,
    publish: async () => {
      throw new Error('broker away');
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await relay.stop();
  assert.deepEqual(outbox.left(), ['0001', '0002']);
});
