import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema } from '@joinery/proto/events/v1/events_pb';
import { createMemoryStateStore } from '../adapters/memory/memory-state-store.js';
import { bytesFromHex } from './hex.js';
import { outboxBacklog } from './outbox-backlog.js';

const dev = '0004A30B001C0530';
const eventAt = (ms: number) => ({
  topic: 'joinery.joins.v1',
  key: dev,
  value: toBinary(
    JoinEventSchema,
    create(JoinEventSchema, { eventId: `e${ms}`, devEui: bytesFromHex(dev), time: timestampFromMs(ms) }),
  ),
});

test('the backlog counts what the bus has not acknowledged and dates the oldest event', async () => {
  const state = createMemoryStateStore();
  assert.deepEqual(await outboxBacklog(state), { events: 0, oldestEventMs: undefined });
  await state.appendEvent(dev, eventAt(1_700_000_000_000));
  await state.appendEvent(dev, eventAt(1_700_000_005_000));
  assert.deepEqual(await outboxBacklog(state), { events: 2, oldestEventMs: 1_700_000_000_000 });
  const [first] = await state.outbox.read(1);
  await state.outbox.ack([first!.id]);
  assert.deepEqual(await outboxBacklog(state), { events: 1, oldestEventMs: 1_700_000_005_000 });
});

test('an oldest record that is no JoinEvent is counted but not dated', async () => {
  const state = createMemoryStateStore();
  await state.appendEvent(dev, {
    topic: 'joinery.joins.v1',
    key: dev,
    value: new Uint8Array([0xff, 0xff, 0xff]),
  });
  assert.deepEqual(await outboxBacklog(state), { events: 1, oldestEventMs: undefined });
});
