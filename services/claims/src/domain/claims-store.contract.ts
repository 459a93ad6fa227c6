import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { claimsErrors } from './errors.js';
import type { AttemptReservation, ClaimsStore } from './ports.js';
import { deviceFixture, joinActivityFixture, peerFixture, storeTest } from './test-fixtures.js';

/**
 * The one contract every ClaimsStore adapter passes (memory and LMDB in unit runs, Redis in integration runs).
 * `open` returns a fresh, empty store.
 */
export function claimsStoreContract(name: string, open: () => Promise<ClaimsStore>): void {
  describe(`ClaimsStore contract: ${name}`, () => {
    const withStore = storeTest(open);

    withStore('stores and reads devices; a missing one is undefined', async (store) => {
      await store.insertDevices([deviceFixture('0000000000000001'), deviceFixture('0000000000000002')]);
      assert.equal((await store.getDevice('0000000000000001'))?.devEui, '0000000000000001');
      assert.equal(await store.getDevice('00000000000000FF'), undefined);
    });

    withStore('insertDevices is all or nothing when one DevEUI exists', async (store) => {
      await store.insertDevices([deviceFixture('0000000000000002')]);
      await assert.rejects(
        store.insertDevices([
          deviceFixture('0000000000000001'),
          deviceFixture('0000000000000002'),
          deviceFixture('0000000000000003'),
        ]),
        (err: unknown) =>
          JoineryError.is(err, claimsErrors.device_exists.code) &&
          err.details['devEui'] === '0000000000000002',
      );
      assert.equal(await store.getDevice('0000000000000001'), undefined);
      assert.equal(await store.getDevice('0000000000000003'), undefined);
    });

    withStore('updateDevice bumps rev, leaves the record on undefined and aborts on throw', async (store) => {
      await store.insertDevices([deviceFixture('0000000000000001')]);
      const next = await store.updateDevice('0000000000000001', (d) => ({ ...d, lockReason: 'five' }));
      assert.equal(next?.rev, 2);
      assert.equal(next?.lockReason, 'five');
      const same = await store.updateDevice('0000000000000001', () => undefined);
      assert.equal(same?.rev, 2);
      await assert.rejects(
        store.updateDevice('0000000000000001', () => {
          throw claimsErrors.already_claimed();
        }),
        (err: unknown) => JoineryError.is(err, claimsErrors.already_claimed.code),
      );
      assert.equal((await store.getDevice('0000000000000001'))?.lockReason, 'five');
      assert.equal(await store.updateDevice('00000000000000FF', (d) => d), undefined);
    });

    withStore('of many racing claims on one device exactly one wins', async (store) => {
      await store.insertDevices([deviceFixture('0000000000000001')]);
      const accounts = Array.from({ length: 8 }, (_, i) => `acc_${i}`);
      const results = await Promise.allSettled(
        accounts.map((accountId) =>
          store.updateDevice('0000000000000001', (d) => {
            if (d.state === 'claimed') throw claimsErrors.already_claimed();
            return { ...d, state: 'claimed', accountId };
          }),
        ),
      );
      const winners = results.filter((r) => r.status === 'fulfilled');
      assert.equal(winners.length, 1);
      for (const r of results)
        if (r.status === 'rejected') assert.ok(JoineryError.is(r.reason, claimsErrors.already_claimed.code));
      const stored = await store.getDevice('0000000000000001');
      assert.equal(
        stored?.accountId,
        (winners[0] as PromiseFulfilledResult<{ accountId: string }>).value.accountId,
      );
      assert.equal(stored?.rev, 2);
    });

    withStore('lists devices by account and by batch, in DevEUI order, page by page', async (store) => {
      const euis = Array.from({ length: 25 }, (_, i) => (i + 1).toString(16).toUpperCase().padStart(16, '0'));
      await store.insertDevices(euis.map((e) => deviceFixture(e, { batchId: 'b1' })));
      for (const e of euis.slice(0, 12))
        await store.updateDevice(e, (d) => ({ ...d, state: 'claimed', accountId: 'acc_A' }));
      const first = await store.listDevices({ accountId: 'acc_A' }, { limit: 5, after: null });
      assert.deepEqual(
        first.devices.map((d) => d.devEui),
        euis.slice(0, 5),
      );
      assert.equal(first.next, euis[4]);
      const rest = await store.listDevices({ accountId: 'acc_A' }, { limit: 100, after: first.next });
      assert.deepEqual(
        rest.devices.map((d) => d.devEui),
        euis.slice(5, 12),
      );
      assert.equal(rest.next, null);
      // Moving a device to another account removes it from the first account's list.
      await store.updateDevice(euis[0] as string, (d) => ({ ...d, accountId: 'acc_B' }));
      const afterMove = await store.listDevices({ accountId: 'acc_A' }, { limit: 100, after: null });
      assert.equal(afterMove.devices.length, 11);
      const batch = await store.listDevices({ batchId: 'b1' }, { limit: 1000, after: null });
      assert.equal(batch.devices.length, 25);
      assert.equal(
        (await store.listDevices({ accountId: 'acc_none' }, { limit: 10, after: null })).devices.length,
        0,
      );
    });

    withStore(
      'lists with filters and a DevEUI prefix, page by page, within the account only',
      async (store) => {
        const eui = (i: number) => `00A0${i.toString(16).toUpperCase().padStart(12, '0')}`;
        const other = (i: number) => `00B0${i.toString(16).toUpperCase().padStart(12, '0')}`;
        await store.insertDevices([
          ...Array.from({ length: 30 }, (_, i) =>
            deviceFixture(eui(i), {
              state: 'claimed',
              accountId: 'acc_A',
              networkServerId: i % 2 === 0 ? 'ns_even' : 'ns_odd',
              macVersion: i % 3 === 0 ? '1.1' : '1.0.3',
            }),
          ),
          ...Array.from({ length: 5 }, (_, i) =>
            deviceFixture(other(i), { state: 'claimed', accountId: 'acc_B', networkServerId: 'ns_even' }),
          ),
        ]);
        await store.recordJoins([
          { devEui: eui(4), eventId: 'j1', time: new Date('2026-03-01T00:00:00Z') },
          { devEui: eui(6), eventId: 'j2', time: new Date('2026-05-01T00:00:00Z') },
        ]);
        const all = async (query: Parameters<ClaimsStore['listDevices']>[2], limit = 4) => {
          const seen: string[] = [];
          let after: string | null = null;
          for (let pages = 0; pages < 50; pages += 1) {
            const page = await store.listDevices({ accountId: 'acc_A' }, { limit, after }, query);
            seen.push(...page.devices.map((d) => d.devEui));
            if (page.next === null) return seen;
            after = page.next;
          }
          throw new Error('paging did not end');
        };
        const range = (pick: (i: number) => boolean) =>
          Array.from({ length: 30 }, (_, i) => i)
            .filter(pick)
            .map(eui);
        assert.deepEqual(
          await all({ networkServerId: 'ns_even' }),
          range((i) => i % 2 === 0),
        );
        assert.deepEqual(
          await all({ macVersion: '1.1', networkServerId: 'ns_odd' }),
          range((i) => i % 6 === 3),
        );
        assert.deepEqual(await all({ activated: true }), [eui(4), eui(6)]);
        assert.deepEqual(
          await all({ activated: false }),
          range((i) => i !== 4 && i !== 6),
        );
        assert.deepEqual(await all({ lastJoinSince: new Date('2026-04-01T00:00:00Z') }), [eui(6)]);
        assert.deepEqual(await all({ claimed: false }), []);
        // 00A000000000001 is the prefix of eui(16) to eui(31); the account holds up to eui(29).
        assert.deepEqual(
          await all({ devEuiPrefix: '00A000000000001' }),
          range((i) => i >= 16 && i < 30),
        );
        assert.deepEqual(await all({ devEuiPrefix: eui(7) }), [eui(7)]);
        assert.deepEqual(await all({ devEuiPrefix: '00B0' }), [], "another account's devices never show");
        assert.deepEqual(
          await all({ devEuiPrefix: '0' }, 7),
          range(() => true),
        );
        // A cursor inside the prefix range continues after it.
        const page = await store.listDevices(
          { accountId: 'acc_A' },
          { limit: 2, after: eui(20) },
          { devEuiPrefix: '00A000000000001' },
        );
        assert.deepEqual(
          page.devices.map((d) => d.devEui),
          [eui(21), eui(22)],
        );
      },
    );

    withStore('bundles: insert once, compare-and-swap updates, swept when expired', async (store) => {
      const bundle = {
        id: 'bndl_1',
        accountId: 'acc_A',
        peerId: 'ns_1',
        sealed: 'v1:x:y',
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-01T01:00:00.000Z',
        takenAt: null,
      };
      await store.insertBundle(bundle);
      await store.insertBundle({ ...bundle, id: 'bndl_2', expiresAt: '2026-01-03T00:00:00.000Z' });
      await assert.rejects(store.insertBundle(bundle), (err: unknown) =>
        JoineryError.is(err, claimsErrors.invalid_argument.code),
      );
      const raced = await Promise.all(
        [1, 2, 3].map(() =>
          store.updateBundle('bndl_1', (b) => (b.sealed === null ? undefined : { ...b, sealed: null })),
        ),
      );
      assert.ok(raced.every((b) => b?.sealed === null));
      assert.equal(await store.updateBundle('bndl_none', (b) => b), undefined);
      await store.sweepBundles(new Date('2026-01-02T12:00:00Z'), 24 * 3_600_000);
      assert.equal(await store.getBundle('bndl_1'), undefined);
      assert.equal((await store.getBundle('bndl_2'))?.sealed, 'v1:x:y');
      await store.sweepBundles(new Date('2026-01-03T00:00:00Z'), 24 * 3_600_000);
      assert.equal((await store.getBundle('bndl_2'))?.sealed, null);
    });

    withStore('join activity: newest first, once per event id, at most `keep` per device', async (store) => {
      const activity = (eventId: string, second: number) =>
        joinActivityFixture('0000000000000001', eventId, second, { accepted: second % 2 === 0 });
      await store.recordJoinActivity(
        [activity('a', 1), activity('c', 3), activity('b', 2), activity('a', 1)],
        3,
      );
      await Promise.all([
        store.recordJoinActivity([activity('d', 4)], 3),
        store.recordJoinActivity([activity('e', 5)], 3),
      ]);
      assert.deepEqual(
        (await store.joinActivity('0000000000000001')).map((a) => a.eventId),
        ['e', 'd', 'c'],
      );
      assert.deepEqual(await store.joinActivity('0000000000000002'), []);
    });

    withStore('devicesWithPendingEvents yields devices whose outbox is not empty', async (store) => {
      const event = {
        eventId: 'e1',
        devEui: '0000000000000001',
        time: '2026-01-01T00:00:00.000Z',
        change: { kind: 'unlocked' as const },
      };
      await store.insertDevices([
        deviceFixture('0000000000000001', { outbox: [event] }),
        deviceFixture('0000000000000002'),
      ]);
      const pending: string[] = [];
      for await (const d of store.devicesWithPendingEvents()) pending.push(d);
      assert.deepEqual(pending, ['0000000000000001']);
      await store.updateDevice('0000000000000001', (d) => ({ ...d, outbox: [] }));
      const after: string[] = [];
      for await (const d of store.devicesWithPendingEvents()) after.push(d);
      assert.deepEqual(after, []);
    });

    withStore('accounts and API keys; revoked keys are not found by hash', async (store) => {
      await store.putAccount({ id: 'acc_1', name: 'One', createdAt: '2026-01-01T00:00:00.000Z' });
      assert.equal((await store.getAccount('acc_1'))?.name, 'One');
      assert.deepEqual(
        (await store.listAccounts()).map((a) => a.id),
        ['acc_1'],
      );
      const key = {
        id: 'key_1',
        accountId: 'acc_1',
        scope: 'owner' as const,
        name: 'k',
        keyHash: 'ab'.repeat(32),
        createdAt: '2026-01-01T00:00:00.000Z',
        revoked: false,
      };
      await store.putApiKey(key);
      assert.equal((await store.findApiKeyByHash('ab'.repeat(32)))?.id, 'key_1');
      assert.deepEqual(
        (await store.listApiKeys('acc_1')).map((k) => k.id),
        ['key_1'],
      );
      await store.putApiKey({ ...key, revoked: true });
      assert.equal(await store.findApiKeyByHash('ab'.repeat(32)), undefined);
      assert.equal((await store.getApiKey('key_1'))?.revoked, true);
    });

    withStore('peers are found by an active credential only', async (store) => {
      const cred = {
        kind: 'bearer-token' as const,
        hash: 'cd'.repeat(32),
        createdAt: '2026-01-01T00:00:00.000Z',
        revoked: false,
      };
      await store.insertPeer(peerFixture('ns_1', { credentials: [cred] }));
      await assert.rejects(store.insertPeer(peerFixture('ns_1')));
      assert.equal((await store.findPeerByCredential('cd'.repeat(32)))?.id, 'ns_1');
      assert.deepEqual(
        (await store.listPeers('acc_1')).map((p) => p.id),
        ['ns_1'],
      );
      assert.deepEqual(
        (await store.listPeers(null)).map((p) => p.id),
        ['ns_1'],
      );
      await store.updatePeer('ns_1', (p) => ({
        ...p,
        credentials: p.credentials.map((c) => ({ ...c, revoked: true })),
      }));
      assert.equal(await store.findPeerByCredential('cd'.repeat(32)), undefined);
      assert.equal((await store.getPeer('ns_1'))?.rev, 2);
    });

    withStore('the first CA stored wins', async (store) => {
      assert.equal(await store.getCa(), undefined);
      const first = await store.ensureCa({ certPem: 'A', keySealed: 'v1:a' });
      const second = await store.ensureCa({ certPem: 'B', keySealed: 'v1:b' });
      assert.deepEqual(first, { certPem: 'A', keySealed: 'v1:a' });
      assert.deepEqual(second, { certPem: 'A', keySealed: 'v1:a' });
    });

    const dev1 = '0000000000000001';
    const join = (eventId: string, devEui = dev1, time = '2026-06-01T12:00:00.000Z') => ({
      devEui,
      eventId,
      time: new Date(time),
    });

    withStore(
      'getDeviceBinding is the device without its activation facts; a missing one is undefined',
      async (store) => {
        await store.insertDevices([deviceFixture(dev1)]);
        await store.recordJoins([join('e1')]);
        const device = await store.getDevice(dev1);
        assert.equal(device?.joinCount, 1);
        const { activated: _a, joinCount: _c, lastJoinAt: _l, ...expected } = device!;
        assert.deepEqual(await store.getDeviceBinding(dev1), expected);
        assert.equal(await store.getDeviceBinding('00000000000000FF'), undefined);
      },
    );

    withStore(
      'recordJoins applies each join once per event id, in order, keeping the latest join time',
      async (store) => {
        await store.insertDevices([deviceFixture(dev1), deviceFixture('0000000000000002')]);
        const later = '2026-06-01T13:00:00.000Z';
        assert.deepEqual(
          await store.recordJoins([
            join('e1', dev1, later),
            join('e1', dev1, later),
            join('e0', dev1),
            join('e3', '00000000000000FF'),
            join('e4', '0000000000000002'),
          ]),
          ['applied', 'duplicate', 'applied', 'unknown_device', 'applied'],
        );
        assert.deepEqual(await store.recordJoins([join('e1'), join('e0')]), ['duplicate', 'duplicate']);
        const one = await store.getDevice(dev1);
        assert.deepEqual([one?.activated, one?.joinCount, one?.lastJoinAt], [true, 2, later]);
        const two = await store.getDevice('0000000000000002');
        assert.deepEqual([two?.activated, two?.joinCount], [true, 1]);
        assert.equal(await store.getDevice('00000000000000FF'), undefined);
        assert.deepEqual(await store.recordJoins([]), []);
      },
    );

    withStore('a device remembers the ids of its last 64 join events', async (store) => {
      await store.insertDevices([deviceFixture(dev1)]);
      const ids = Array.from({ length: 65 }, (_, i) => `e${i}`);
      assert.deepEqual(
        await store.recordJoins(ids.map((id) => join(id))),
        ids.map(() => 'applied'),
      );
      assert.deepEqual(await store.recordJoins([join('e64'), join('e1')]), ['duplicate', 'duplicate']);
      // e0 fell out of the window (its redelivery after 64 later joins of the device is counted again).
      assert.deepEqual(await store.recordJoins([join('e0')]), ['applied']);
      assert.equal((await store.getDevice(dev1))?.joinCount, 66);
    });

    withStore(
      'activation facts are written by joins only; updates and lists show the stored ones',
      async (store) => {
        await store.insertDevices([deviceFixture(dev1, { batchId: 'b1' })]);
        await store.recordJoins([join('e1')]);
        const next = await store.updateDevice(dev1, (d) => ({
          ...d,
          activated: false,
          joinCount: 99,
          lastJoinAt: null,
          lockReason: 'x',
        }));
        assert.deepEqual(
          [next?.lockReason, next?.activated, next?.joinCount, next?.lastJoinAt],
          ['x', true, 1, '2026-06-01T12:00:00.000Z'],
        );
        const stored = await store.getDevice(dev1);
        assert.deepEqual([stored?.lockReason, stored?.joinCount], ['x', 1]);
        const listed = await store.listDevices({ batchId: 'b1' }, { limit: 10, after: null });
        assert.deepEqual(
          listed.devices.map((d) => [d.devEui, d.joinCount, d.activated]),
          [[dev1, 1, true]],
        );
        // A device inserted with activation facts starts without them: only joins write them.
        await store.insertDevices([deviceFixture('0000000000000002', { activated: true, joinCount: 7 })]);
        assert.equal((await store.getDevice('0000000000000002'))?.joinCount, 0);
      },
    );

    withStore('racing joins and device updates lose neither', async (store) => {
      await store.insertDevices([deviceFixture(dev1)]);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => [
          store.recordJoins([join(`e${i}`)]),
          store.updateDevice(dev1, (d) => ({ ...d, lockReason: `${d.lockReason ?? ''}.` })),
        ]).flat(),
      );
      const stored = await store.getDevice(dev1);
      assert.deepEqual([stored?.joinCount, stored?.rev, stored?.lockReason?.length], [20, 21, 20]);
    });

    const policy = { limit: 4, windowMs: 1000, free: 2, baseDelayMs: 100 };
    const granted = (r: AttemptReservation) => (r.granted ? r.count : -1);
    const refusedFor = (r: AttemptReservation) => (r.granted ? -1 : r.retryAfterMs);

    withStore(
      'attempts: free ones, then exponential backoff, then the limit, in a sliding window',
      async (store) => {
        const t0 = 1_000_000;
        const key = 'dev:0000000000000001';
        assert.equal(granted(await store.reserveAttempt(key, t0, policy)), 1);
        assert.equal(granted(await store.reserveAttempt(key, t0, policy)), 2);
        // Two counted: the next waits 100 ms after the last, then 200 ms, and a refusal is not counted.
        assert.equal(refusedFor(await store.reserveAttempt(key, t0 + 40, policy)), 60);
        assert.equal(granted(await store.reserveAttempt(key, t0 + 100, policy)), 3);
        assert.equal(refusedFor(await store.reserveAttempt(key, t0 + 250, policy)), 50);
        assert.equal(granted(await store.reserveAttempt(key, t0 + 300, policy)), 4);
        // At the limit: refused until the oldest leaves the window.
        assert.equal(refusedFor(await store.reserveAttempt(key, t0 + 900, policy)), 100);
        assert.equal(refusedFor(await store.reserveAttempt(key, t0 + 999, policy)), 1);
        // t0+1000: both hits at t0 left the window; two remain (t0+100, t0+300), so backoff applies after t0+300.
        assert.equal(granted(await store.reserveAttempt(key, t0 + 1000, policy)), 3);
        assert.equal(granted(await store.reserveAttempt('acct:acc_1', t0, policy)), 1);
      },
    );

    withStore('attempts: of 50 racing reservations exactly the free ones are granted', async (store) => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.reserveAttempt('acct-dev:acc_1:0000000000000001', 5000, policy),
        ),
      );
      assert.deepEqual(
        results
          .filter((r) => r.granted)
          .map(granted)
          .sort(),
        [1, 2],
      );
    });

    withStore('attempts: a released one no longer counts; releasing twice is harmless', async (store) => {
      const key = 'acct:acc_1';
      const first = await store.reserveAttempt(key, 0, policy);
      assert.ok(first.granted);
      await store.reserveAttempt(key, 0, policy);
      await store.releaseAttempt(key, first.token);
      await store.releaseAttempt(key, first.token);
      assert.equal(granted(await store.reserveAttempt(key, 0, policy)), 2);
    });
  });
}
