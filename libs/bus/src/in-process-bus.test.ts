import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import type { BusRecord } from './bus.js';
import { createInProcessBus } from './in-process-bus.js';

const record = (topic: string, n: number): BusRecord => ({ topic, key: `K${n}`, value: new Uint8Array([n]) });

test('every group of a topic gets every record; members of one group share them; other topics see nothing', async () => {
  const bus = createInProcessBus();
  const seen: Record<string, number[]> = { a1: [], a2: [], b: [], other: [] };
  const handler = (name: string) => async (records: readonly BusRecord[]) => {
    seen[name]?.push(...records.map((r) => r.value[0] as number));
  };
  await bus.subscribe({ topic: 't', groupId: 'a', handler: handler('a1') });
  await bus.subscribe({ topic: 't', groupId: 'a', handler: handler('a2') });
  await bus.subscribe({ topic: 't', groupId: 'b', handler: handler('b') });
  await bus.subscribe({ topic: 'u', groupId: 'a', handler: handler('other') });
  for (let n = 1; n <= 4; n++) await bus.publish([record('t', n)]);
  assert.deepEqual(seen.b, [1, 2, 3, 4]);
  assert.deepEqual([...(seen.a1 ?? []), ...(seen.a2 ?? [])].sort(), [1, 2, 3, 4]);
  assert.ok((seen.a1 ?? []).length > 0 && (seen.a2 ?? []).length > 0);
  assert.deepEqual(seen.other, []);
  await bus.close();
});

test('publish rejects when a subscriber fails, so the outbox keeps the records; the others still got them', async () => {
  const bus = createInProcessBus();
  const good: number[] = [];
  let fail = true;
  await bus.subscribe({
    topic: 't',
    groupId: 'good',
    handler: async (rs) => void good.push(...rs.map((r) => r.value[0] as number)),
  });
  await bus.subscribe({
    topic: 't',
    groupId: 'flaky',
    handler: async () => {
      if (fail) throw new Error('ledger down');
    },
  });
  await assert.rejects(bus.publish([record('t', 1)]), (err: unknown) =>
    JoineryError.is(err, 'bus:handler_failed'),
  );
  fail = false;
  await bus.publish([record('t', 1)]);
  assert.deepEqual(good, [1, 1]);
  await bus.close();
  await assert.rejects(bus.publish([record('t', 2)]), (err: unknown) => JoineryError.is(err, 'bus:closed'));
});

test('a closed subscription gets nothing more', async () => {
  const bus = createInProcessBus();
  const got: number[] = [];
  const sub = await bus.subscribe({
    topic: 't',
    groupId: 'g',
    handler: async (rs) => void got.push(rs.length),
  });
  await bus.publish([record('t', 1), record('t', 2)]);
  await sub.close();
  await bus.publish([record('t', 3)]);
  assert.deepEqual(got, [2]);
});
