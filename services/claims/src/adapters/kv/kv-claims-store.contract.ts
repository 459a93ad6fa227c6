import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deviceFixture, joinActivityFixture, peerFixture } from '../../domain/test-fixtures.js';
import type { JoinActivityRecord } from '../../domain/model.js';
import type { KvBackend } from './kv-backend.js';
import { KvClaimsStore, deviceKey } from './kv-claims-store.js';

const dev = '0000000000000001';
const t1 = '2026-06-01T12:00:00.000Z';
const t2 = '2026-06-01T13:00:00.000Z';
const join = (eventId: string, time = t1) => ({ devEui: dev, eventId, time: new Date(time) });

/** The join activity as the whole-JSON record of earlier releases kept it (their code, as it was). */
function oldActivity(
  current: readonly JoinActivityRecord[],
  activities: readonly JoinActivityRecord[],
  keep: number,
): JoinActivityRecord[] {
  const known = new Set(current.map((a) => a.eventId));
  const added: JoinActivityRecord[] = [];
  for (const a of activities) {
    if (known.has(a.eventId)) continue;
    known.add(a.eventId);
    added.push(a);
  }
  if (added.length === 0) return [...current];
  return [...current, ...added]
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
    .slice(0, keep);
}

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const activityOf = (eventId: string, second: number, devEui = dev) =>
  joinActivityFixture(devEui, eventId, second, { devNonce: second, accepted: second % 3 !== 0 }).activity;

/**
 * What KvClaimsStore adds on top of the ClaimsStore contract, on every KvBackend (memory and LMDB in unit runs, Redis
 * in integration runs): the activation record's one stored text format, which the Redis script and the TypeScript
 * code both write; store instances sharing one backend. `open` returns a fresh,
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
      'join activity is what the whole-JSON record gave: late, repeated and same-time events, in batches',
      async (_kv, store) => {
        const next = random(23);
        const other = '0000000000000002';
        const expected = new Map<string, JoinActivityRecord[]>([
          [dev, []],
          [other, []],
        ]);
        for (let round = 0; round < 60; round += 1) {
          const batch = Array.from({ length: 1 + Math.floor(next() * 6) }, () => {
            const devEui = next() < 0.7 ? dev : other;
            // Few ids and few seconds: redeliveries, equal times and events older than the kept ones.
            return {
              devEui,
              activity: activityOf(`e${Math.floor(next() * 40)}`, Math.floor(next() * 25), devEui),
            };
          });
          const keep = round < 40 ? 5 : 8;
          await store.recordJoinActivity(batch, keep);
          for (const [devEui, list] of expected) {
            const mine = batch.filter((e) => e.devEui === devEui).map((e) => e.activity);
            const want = mine.length === 0 ? list : oldActivity(list, mine, keep);
            expected.set(devEui, want);
            assert.deepEqual(await store.joinActivity(devEui), want, `round ${round}, ${devEui}`);
          }
        }
      },
    );

    withKv('a full list keeps the newest 50 as the whole-JSON record did', async (_kv, store) => {
      let want: JoinActivityRecord[] = [];
      for (let i = 0; i < 70; i += 1) {
        const batch = [activityOf(`n${i}`, 100 + i), activityOf(`n${i - 3}`, 100 + i - 3)];
        await store.recordJoinActivity(
          batch.map((activity) => ({ devEui: dev, activity })),
          50,
        );
        want = oldActivity(want, batch, 50);
      }
      assert.equal(want.length, 50);
      assert.deepEqual(await store.joinActivity(dev), want);
    });

    withKv(
      'join activity in the old whole-JSON shape reads as it was and is converted by the next event, losing nothing',
      async (kv, store) => {
        const key = `joins:{${dev}}`;
        const old = [5, 4, 4, 2, 1].map((second, i) => activityOf(`old${i}`, second));
        await kv.put(key, JSON.stringify(old));
        assert.deepEqual(await store.joinActivity(dev), old);
        // A new event, a redelivered old one, one of an old one's time and a late one.
        const batch = [
          activityOf('new1', 9),
          activityOf('old2', 4),
          activityOf('new2', 4),
          activityOf('new3', 0),
        ];
        await store.recordJoinActivity(
          batch.map((activity) => ({ devEui: dev, activity })),
          7,
        );
        const want = oldActivity(old, batch, 7);
        assert.deepEqual(
          want.map((a) => a.eventId),
          ['new1', 'old0', 'old1', 'old2', 'new2', 'old3', 'old4'],
        );
        assert.deepEqual(await store.joinActivity(dev), want);
        assert.equal(await kv.get(key), undefined, 'the old record is gone');
        // Redelivered again after the conversion: still once.
        await store.recordJoinActivity([{ devEui: dev, activity: activityOf('old0', 5) }], 7);
        assert.deepEqual(await store.joinActivity(dev), want);
        // An earlier release still running writes the old shape again: read merged, then converted, nothing lost.
        const late = [activityOf('older', 8), activityOf('new1', 9)];
        await kv.put(key, JSON.stringify(late));
        const merged = oldActivity(want, late, 100);
        assert.deepEqual(await store.joinActivity(dev), merged);
        await store.recordJoinActivity([{ devEui: dev, activity: activityOf('last', 10) }], 7);
        assert.deepEqual(await store.joinActivity(dev), oldActivity(merged, [activityOf('last', 10)], 7));
        assert.equal(await kv.get(key), undefined);
      },
    );

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
