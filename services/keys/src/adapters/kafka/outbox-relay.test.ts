import { captureLogs } from '@joinery/logging';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStateStore } from '../memory/memory-state-store.js';
import type { OutboxRecord } from '../../domain/ports.js';
import { startOutboxRelay } from './outbox-relay.js';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

test('the relay publishes oldest first, acks only after a successful publish, and retries failures', async () => {
  const state = createMemoryStateStore();
  for (let n = 1; n <= 5; n++)
    await state.appendEvent('0102030405060708', {
      topic: 'joinery.joins.v1',
      key: '0102030405060708',
      value: new Uint8Array([n]),
    });
  const published: number[] = [];
  let failNext = true;
  const relay = startOutboxRelay({
    source: state.outbox,
    batchSize: 2,
    idleMs: 5,
    retryMs: 5,
    logger: captureLogs().logger,
    publish: async (records: readonly OutboxRecord[]) => {
      if (failNext) {
        failNext = false;
        throw new Error('broker down');
      }
      published.push(...records.map((r) => r.value[0]!));
    },
  });
  await until(() => published.length === 5);
  await relay.stop();
  assert.deepEqual(published, [1, 2, 3, 4, 5]);
  assert.deepEqual(await state.outbox.read(10), []);
});
