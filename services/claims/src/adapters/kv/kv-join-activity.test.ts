import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinActivityFixture } from '../../domain/test-fixtures.js';
import { MemoryKv } from '../memory/memory-kv.js';
import { KvClaimsStore } from './kv-claims-store.js';

/** Counts the store's round trips of each kind, and how many are waiting at once. */
class CountingKv extends MemoryKv {
  gets = 0;
  swaps = 0;
  waiting = 0;
  mostWaiting = 0;

  override async get(key: string): Promise<string | undefined> {
    this.gets += 1;
    this.waiting += 1;
    this.mostWaiting = Math.max(this.mostWaiting, this.waiting);
    await new Promise((resolve) => setImmediate(resolve));
    this.waiting -= 1;
    return super.get(key);
  }

  override async compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean> {
    this.swaps += 1;
    return super.compareAndSwap(key, expected, next);
  }
}

const activity = (devEui: string, eventId: string, second: number) =>
  joinActivityFixture(devEui, eventId, second, { devNonce: second });

test('a batch of join activity costs one read and one swap per device, the devices side by side', async () => {
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
  assert.equal(kv.gets, 3);
  assert.equal(kv.swaps, 3);
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
  // Only known events again: read, nothing to write.
  await store.recordJoinActivity([activity(a, 'a2', 3)], 10);
  assert.equal(kv.swaps, 3);
});
