import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachInKeyOrder } from './key-order.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

test('records of one key run in order, one at a time; different keys overlap up to the concurrency', async () => {
  const records = ['a1', 'b1', 'a2', 'c1', 'b2', 'a3', 'd1'].map((id) => ({ key: id[0]!, id }));
  const running = new Set<string>();
  let most = 0;
  const done: string[] = [];
  await forEachInKeyOrder(records, 2, async (record) => {
    assert.ok(!running.has(record.key), `${record.key} twice at once`);
    running.add(record.key);
    most = Math.max(most, running.size);
    await tick();
    running.delete(record.key);
    done.push(record.id);
  });
  assert.equal(most, 2);
  assert.deepEqual(
    done.filter((id) => id.startsWith('a')),
    ['a1', 'a2', 'a3'],
  );
  assert.deepEqual(
    done.filter((id) => id.startsWith('b')),
    ['b1', 'b2'],
  );
  assert.equal(done.length, records.length);
});

test('the first failure rejects; the records after it in its key are not handled', async () => {
  const seen: string[] = [];
  await assert.rejects(
    forEachInKeyOrder(
      [
        { key: 'a', id: 'a1' },
        { key: 'a', id: 'a2' },
      ],
      4,
      async (record) => {
        seen.push(record.id);
        throw new Error(`failed ${record.id}`);
      },
    ),
    /failed a1/,
  );
  assert.deepEqual(seen, ['a1']);
});

test('an empty batch does nothing', async () => {
  let calls = 0;
  await forEachInKeyOrder([], 8, async () => void calls++);
  assert.equal(calls, 0);
});
