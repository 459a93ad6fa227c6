import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceFixture } from '../../domain/test-fixtures.js';
import { MemoryKv } from '../memory/memory-kv.js';
import { KvClaimsStore } from './kv-claims-store.js';

/** A memory backend that counts index writes. */
class CountingKv extends MemoryKv {
  indexAdds = 0;
  override async indexAdd(index: string, members: readonly string[]): Promise<void> {
    this.indexAdds += 1;
    return super.indexAdd(index, members);
  }
}

const devEui = '0000000000000001';
const event = {
  eventId: 'e1',
  devEui,
  time: '2026-01-01T00:00:00.000Z',
  change: { kind: 'unlocked' as const },
};

async function pendingDevices(store: KvClaimsStore): Promise<string[]> {
  const out: string[] = [];
  for await (const d of store.devicesWithPendingEvents()) out.push(d);
  return out;
}

test('an update that leaves the outbox and the account alone writes no index; one that touches the outbox re-adds it', async () => {
  const kv = new CountingKv();
  const store = new KvClaimsStore(kv);
  await store.insertDevices([
    deviceFixture(devEui, { outbox: [event], accountId: 'acc_A', state: 'claimed' }),
  ]);

  kv.indexAdds = 0;
  const activated = await store.updateDevice(devEui, (d) => ({
    ...d,
    activated: true,
    joinCount: d.joinCount + 1,
  }));
  assert.equal(activated?.joinCount, 1);
  assert.equal(kv.indexAdds, 0, 'activation counters alone: no index round trip');
  assert.deepEqual(await pendingDevices(store), [devEui]);
  assert.equal(
    (await store.listDevices({ accountId: 'acc_A' }, { limit: 10, after: null })).devices.length,
    1,
  );

  // An index entry lost (say, to a race with a concurrent removal) comes back with the next outbox change.
  await kv.indexRemove('idx:pending', devEui);
  assert.deepEqual(await pendingDevices(store), []);
  await store.updateDevice(devEui, (d) => ({ ...d, outbox: [...d.outbox, { ...event, eventId: 'e2' }] }));
  assert.ok(kv.indexAdds >= 1);
  assert.deepEqual(await pendingDevices(store), [devEui]);

  // A move to another account updates both account lists.
  await store.updateDevice(devEui, (d) => ({ ...d, accountId: 'acc_B' }));
  assert.equal(
    (await store.listDevices({ accountId: 'acc_A' }, { limit: 10, after: null })).devices.length,
    0,
  );
  assert.equal(
    (await store.listDevices({ accountId: 'acc_B' }, { limit: 10, after: null })).devices.length,
    1,
  );
});
