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

/** A lease the test hands out and takes back. */
function switchableLease(initially: boolean) {
  let free = initially;
  let fail = false;
  const calls = { hold: 0, release: 0 };
  return {
    calls,
    set: (value: boolean) => void (free = value),
    failNext: () => void (fail = true),
    lease: {
      async hold() {
        calls.hold++;
        if (fail) {
          fail = false;
          throw new Error('redis away');
        }
        return free;
      },
      async release() {
        calls.release++;
      },
    },
  };
}

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), `timed out waiting for ${what}`);
};

/** A relay on `source` under `lease`, recording what it published, how often it took the lease, and its logs. */
function leasedRelay(source: OutboxSource, lease: ReturnType<typeof switchableLease>['lease']) {
  const published: string[] = [];
  const taken = { count: 0 };
  const logs = captureLogs();
  const relay = startOutboxRelay({
    source,
    idleMs: 5,
    retryMs: 5,
    logger: logs.logger,
    lease,
    onLeaseTaken: () => taken.count++,
    publish: async (records) => void published.push(...records.map((r) => r.id)),
  });
  return { relay, published, taken, logs };
}

test('without the lease the relay neither reads nor publishes; once it takes the lease it relays', async () => {
  const outbox = memoryOutbox(4);
  let reads = 0;
  const source = { ...outbox, read: (limit: number) => (reads++, outbox.read(limit)) };
  const switchable = switchableLease(false);
  const { relay, published, taken, logs } = leasedRelay(source, switchable.lease);
  await until('a few lease attempts', () => switchable.calls.hold >= 5);
  assert.equal(reads, 0);
  assert.deepEqual(published, []);
  assert.equal(taken.count, 0);
  switchable.set(true);
  await relay.drained();
  assert.deepEqual(published, ['0001', '0002', '0003', '0004']);
  assert.equal(taken.count, 1);
  assert.equal(logs.grep('outbox relay lease taken').length, 1);
  await relay.stop();
  assert.equal(switchable.calls.release, 1);
});

test('a relay that loses the lease stops relaying, and forgets what it knew when it takes it again', async () => {
  const records: { id: string; topic: string; key: string; value: Uint8Array }[] = [];
  const source = {
    read: async (limit: number) => records.slice(0, limit),
    ack: async (ids: readonly string[]) => {
      for (const id of ids)
        records.splice(
          records.findIndex((r) => r.id === id),
          1,
        );
    },
  };
  const switchable = switchableLease(true);
  const { relay, published, taken, logs } = leasedRelay(source, switchable.lease);
  records.push({ id: 'a', topic: 't', key: 'K', value: new Uint8Array([1]) });
  await relay.drained();
  assert.deepEqual(published, ['a']);
  switchable.set(false);
  const before = switchable.calls.hold;
  await until('the loss to be noticed', () => switchable.calls.hold > before + 2);
  records.push({ id: 'b', topic: 't', key: 'K', value: new Uint8Array([2]) });
  await until('more lease attempts', () => switchable.calls.hold > before + 6);
  assert.deepEqual(published, ['a'], 'nothing is relayed without the lease');
  assert.equal(logs.grep('outbox relay lease lost').length, 1);
  switchable.failNext();
  switchable.set(true);
  await relay.drained();
  assert.deepEqual(published, ['a', 'b']);
  assert.equal(taken.count, 2);
  assert.equal(logs.grep('outbox relay lease could not be renewed').length, 1);
  await relay.stop();
});

test('stopping a relay that does not hold the lease leaves the lease alone', async () => {
  const switchable = switchableLease(false);
  const relay = startOutboxRelay({
    source: memoryOutbox(1),
    idleMs: 5,
    logger: captureLogs().logger,
    lease: switchable.lease,
    publish: async () => undefined,
  });
  await until('a lease attempt', () => switchable.calls.hold >= 1);
  await relay.stop();
  assert.equal(switchable.calls.release, 0);
});
