import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinActivityFixture } from '../../domain/test-fixtures.js';
import { MemoryKv } from '../memory/memory-kv.js';
import type { ListEntry } from './bounded-list.js';
import { KvClaimsStore } from './kv-claims-store.js';

/** Counts the store's round trips of each kind, and how many are waiting at once. */
class CountingKv extends MemoryKv {
  gets = 0;
  appends = 0;
  appended = 0;
  waiting = 0;
  mostWaiting = 0;

  override async get(key: string): Promise<string | undefined> {
    this.gets += 1;
    return super.get(key);
  }

  override async appendToList(
    key: string,
    entries: readonly ListEntry[],
    keep: number,
    converting?: string,
  ): Promise<boolean> {
    this.appends += 1;
    this.appended += entries.length;
    this.waiting += 1;
    this.mostWaiting = Math.max(this.mostWaiting, this.waiting);
    await new Promise((resolve) => setImmediate(resolve));
    this.waiting -= 1;
    return super.appendToList(key, entries, keep, converting);
  }
}

const activity = (devEui: string, eventId: string, second: number) =>
  joinActivityFixture(devEui, eventId, second, { devNonce: second });

test('a batch of join activity costs one append per device and no read, the devices side by side', async () => {
  const kv = new CountingKv();
  const store = new KvClaimsStore(kv);
  const [a, b, c] = ['0000000000000001', '0000000000000002', '0000000000000003'];
  await store.recordJoinActivity(
    [
      activity(a, 'a1', 1),
      activity(b, 'b1', 2),
      activity(a, 'a2', 3),
      activity(c, 'c1', 4),
      activity(a, 'a1', 1),
      activity(b, 'b2', 5),
    ],
    10,
  );
  assert.equal(kv.gets, 0);
  assert.equal(kv.appends, 3);
  assert.equal(kv.appended, 6, 'only the new entries are sent');
  assert.equal(kv.mostWaiting, 3);
  assert.deepEqual(
    (await store.joinActivity(a)).map((x) => x.eventId),
    ['a2', 'a1'],
  );
  assert.deepEqual(
    (await store.joinActivity(b)).map((x) => x.eventId),
    ['b2', 'b1'],
  );
  assert.deepEqual(
    (await store.joinActivity(c)).map((x) => x.eventId),
    ['c1'],
  );
  // Only known events again: one append that adds nothing.
  await store.recordJoinActivity([activity(a, 'a2', 3)], 10);
  assert.equal(kv.appends, 4);
  assert.deepEqual(
    (await store.joinActivity(a)).map((x) => x.eventId),
    ['a2', 'a1'],
  );
  assert.equal(kv.gets, 0);
});
