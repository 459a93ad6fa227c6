import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deviceFixture, peerFixture } from '../../domain/test-fixtures.js';
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
 * What KvClaimsStore adds on top of the ClaimsStore contract, on every KvBackend (memory and LMDB in unit runs, Redis
 * in integration runs): the activation record's one stored text format, which the Redis script and the TypeScript
 * code both write; devices stored before it existed; store instances sharing one backend. `open` returns a fresh,
 * empty backend.
 */
export function kvClaimsStoreContract(name: string, open: () => Promise<KvBackend>): void {
  describe(`KvClaimsStore over ${name}`, () => {
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

    withKv("an account's list reads that account's index and devices only", async (kv, store) => {
      await store.insertDevices([
        ...Array.from({ length: 10 }, (_, i) =>
          deviceFixture(`00A000000000000${i}`, { state: 'claimed', accountId: 'acc_A' }),
        ),
        ...Array.from({ length: 200 }, (_, i) =>
          deviceFixture(`00B0${i.toString(16).padStart(12, '0').toUpperCase()}`, {
            state: 'claimed',
            accountId: 'acc_B',
          }),
        ),
      ]);
      const read: string[] = [];
      const indexes: string[] = [];
      const counting: KvBackend = Object.assign(Object.create(kv) as KvBackend, {
        getMany: (keys: readonly string[]) => {
          read.push(...keys);
          return kv.getMany(keys);
        },
        indexRange: (index: string, after: string | null, limit: number) => {
          indexes.push(index);
          return kv.indexRange(index, after, limit);
        },
      });
      const page = await new KvClaimsStore(counting).listDevices(
        { accountId: 'acc_A' },
        { limit: 50, after: null },
        { activated: false },
      );
      assert.equal(page.devices.length, 10);
      assert.deepEqual([...new Set(indexes)], ['idx:acct-devs:acc_A']);
      assert.ok(read.length <= 20, `${read.length} keys read`);
      assert.ok(
        read.every((k) => k.includes('{00A0')),
        'no key of another account was read',
      );
    });

    withKv(
      'the record is the documented text and the device text holds no activation facts',
      async (kv, store) => {
        await store.insertDevices([deviceFixture(dev)]);
        await store.recordJoins([join('e1', t2), join('e2')]);
        assert.equal(await kv.get(`act:{${dev}}`), `2\n${t2}\ne1\ne2\n`);
        const raw = (await kv.get(deviceKey(dev))) ?? '';
        for (const field of ['activated', 'joinCount', 'lastJoinAt', 'appliedJoinEvents'])
          assert.ok(!raw.includes(field), field);
      },
    );

    withKv(
      'a device stored with its activation facts inside keeps them and goes on counting',
      async (kv, store) => {
        await kv.put(deviceKey(dev), legacyDeviceText);
        const before = await store.getDevice(dev);
        assert.deepEqual([before?.activated, before?.joinCount, before?.lastJoinAt], [true, 3, t2]);
        assert.deepEqual(await store.recordJoins([join('b'), join('c'), join('c')]), [
          'duplicate',
          'applied',
          'duplicate',
        ]);
        const after = await store.getDevice(dev);
        assert.deepEqual([after?.joinCount, after?.lastJoinAt], [4, t2]);
        assert.equal(await kv.get(`act:{${dev}}`), `4\n${t2}\na\nb\nc\n`);
      },
    );

    withKv(
      'the binding of such a device carries none of the facts its record still holds',
      async (kv, store) => {
        await kv.put(deviceKey(dev), legacyDeviceText);
        const binding = (await store.getDeviceBinding(dev)) as Record<string, unknown> | undefined;
        assert.equal(binding?.['devEui'], dev);
        for (const field of ['activated', 'joinCount', 'lastJoinAt', 'appliedJoinEvents'])
          assert.ok(!(field in binding!), field);
      },
    );

    withKv('updating such a device moves its activation facts to the record first', async (kv, store) => {
      await kv.put(deviceKey(dev), legacyDeviceText);
      const next = await store.updateDevice(dev, (d) => ({ ...d, lockReason: 'x' }));
      assert.deepEqual([next?.lockReason, next?.joinCount, next?.activated], ['x', 3, true]);
      assert.ok(!((await kv.get(deviceKey(dev))) ?? '').includes('joinCount'));
      assert.equal(await kv.get(`act:{${dev}}`), `3\n${t2}\na\nb\n`);
      assert.deepEqual(await store.recordJoins([join('a'), join('d')]), ['duplicate', 'applied']);
      assert.equal((await store.getDevice(dev))?.joinCount, 4);
    });

    withKv('an update that changes nothing on such a device returns its facts', async (kv, store) => {
      await kv.put(deviceKey(dev), legacyDeviceText);
      const same = await store.updateDevice(dev, () => undefined);
      assert.deepEqual([same?.activated, same?.joinCount, same?.lastJoinAt, same?.rev], [true, 3, t2, 1]);
    });

    withKv('old ids the text cannot hold are left out when the facts move', async (kv, store) => {
      await kv.put(
        deviceKey(dev),
        JSON.stringify({ ...JSON.parse(legacyDeviceText), appliedJoinEvents: ['a', 'b c', 'd\ne'] }),
      );
      assert.deepEqual(await store.recordJoins([join('a'), join('f')]), ['duplicate', 'applied']);
      assert.equal(await kv.get(`act:{${dev}}`), `4\n${t2}\na\nf\n`);
    });

    withKv('the record keeps the last 64 ids, oldest first', async (kv, store) => {
      await store.insertDevices([deviceFixture(dev)]);
      const ids = Array.from({ length: 70 }, (_, i) => `e${i}`);
      await store.recordJoins(ids.map((id) => join(id)));
      assert.equal(
        await kv.get(`act:{${dev}}`),
        `70\n${t1}\n${ids
          .slice(6)
          .map((id) => `${id}\n`)
          .join('')}`,
      );
    });

    withKv('a record that cannot be read counts as no joins and is written anew', async (kv, store) => {
      await store.insertDevices([deviceFixture(dev)]);
      for (const garbage of ['', 'x\n\n', '-1\n\ne1\n', '5\n']) {
        await kv.put(`act:{${dev}}`, garbage);
        assert.equal((await store.getDevice(dev))?.joinCount, 0, JSON.stringify(garbage));
        assert.deepEqual(await store.recordJoins([join('e1')]), ['applied'], JSON.stringify(garbage));
        assert.equal(await kv.get(`act:{${dev}}`), `1\n${t1}\ne1\n`);
      }
    });

    withKv(
      'a credential revoked through another store instance is refused by this one at once',
      async (kv, store) => {
        const other = new KvClaimsStore(kv);
        const hash = 'cd'.repeat(32);
        await store.insertPeer(
          peerFixture('ns_1', {
            credentials: [{ kind: 'bearer-token', hash, createdAt: t1, revoked: false }],
          }),
        );
        assert.equal((await store.findPeerByCredential(hash))?.id, 'ns_1');
        assert.equal((await store.findPeerByCredential(hash))?.id, 'ns_1');
        await other.updatePeer('ns_1', (p) => ({
          ...p,
          credentials: p.credentials.map((c) => ({ ...c, revoked: true })),
        }));
        assert.equal(await store.findPeerByCredential(hash), undefined);
        assert.equal(await store.findPeerByCredential(hash), undefined);
      },
    );
  });
}
