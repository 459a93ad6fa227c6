import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deviceFixture } from '../../domain/test-fixtures.js';
import type { KvBackend } from './kv-backend.js';
import { KvClaimsStore, deviceKey } from './kv-claims-store.js';

const dev = '0000000000000001';
const t1 = '2026-06-01T12:00:00.000Z';
const t2 = '2026-06-01T13:00:00.000Z';
const join = (eventId: string, time = t1) => ({ devEui: dev, eventId, time: new Date(time) });

/** A device as versions before the activation record stored it: with its activation facts inside. */
const legacyDeviceText = JSON.stringify({
  ...deviceFixture(dev),
  activated: true,
  joinCount: 3,
  lastJoinAt: t2,
  appliedJoinEvents: ['a', 'b'],
});

/**
 * The activation record on every KvBackend (memory and LMDB in unit runs, Redis in integration runs): one stored
 * text format, which the Redis script and the TypeScript code both write, and devices stored before it existed.
 * `open` returns a fresh, empty backend.
 */
export function kvActivationContract(name: string, open: () => Promise<KvBackend>): void {
  describe(`activation records: ${name}`, () => {
    const withKv = (title: string, fn: (kv: KvBackend, store: KvClaimsStore) => Promise<void>) =>
      test(title, async () => {
        const kv = await open();
        const store = new KvClaimsStore(kv);
        try {
          await fn(kv, store);
        } finally {
          await store.close();
        }
      });

    withKv('the record is the documented text and the device text holds no activation facts', async (kv, store) => {
      await store.insertDevices([deviceFixture(dev)]);
      await store.recordJoins([join('e1', t2), join('e2')]);
      assert.equal(await kv.get(`act:{${dev}}`), `2\n${t2}\ne1\ne2\n`);
      const raw = (await kv.get(deviceKey(dev))) ?? '';
      for (const field of ['activated', 'joinCount', 'lastJoinAt', 'appliedJoinEvents']) assert.ok(!raw.includes(field), field);
    });

    withKv('a device stored with its activation facts inside keeps them and goes on counting', async (kv, store) => {
      await kv.put(deviceKey(dev), legacyDeviceText);
      const before = await store.getDevice(dev);
      assert.deepEqual([before?.activated, before?.joinCount, before?.lastJoinAt], [true, 3, t2]);
      assert.deepEqual(await store.recordJoins([join('b'), join('c'), join('c')]), ['duplicate', 'applied', 'duplicate']);
      const after = await store.getDevice(dev);
      assert.deepEqual([after?.joinCount, after?.lastJoinAt], [4, t2]);
      assert.equal(await kv.get(`act:{${dev}}`), `4\n${t2}\na\nb\nc\n`);
    });

    withKv('updating such a device moves its activation facts to the record first', async (kv, store) => {
      await kv.put(deviceKey(dev), legacyDeviceText);
      const next = await store.updateDevice(dev, (d) => ({ ...d, lockReason: 'x' }));
      assert.deepEqual([next?.lockReason, next?.joinCount, next?.activated], ['x', 3, true]);
      assert.ok(!((await kv.get(deviceKey(dev))) ?? '').includes('joinCount'));
      assert.equal(await kv.get(`act:{${dev}}`), `3\n${t2}\na\nb\n`);
      assert.deepEqual(await store.recordJoins([join('a'), join('d')]), ['duplicate', 'applied']);
      assert.equal((await store.getDevice(dev))?.joinCount, 4);
    });
  });
}
