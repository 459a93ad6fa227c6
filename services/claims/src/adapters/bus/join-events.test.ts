import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { admin, createHarness, devEui, importDevices, silentLogger } from '../../testing/harness.js';
import { MemoryKv } from '../memory/memory-kv.js';
import { KvClaimsStore } from '../kv/kv-claims-store.js';
import { joinEventsHandler } from './join-events.js';

const joinEvent = (eventId: string, dev: string, outcome: JoinOutcome, time: Date, devNonce?: number) => ({
  key: dev,
  value: toBinary(
    JoinEventSchema,
    create(JoinEventSchema, {
      eventId,
      // A DevEUI that is no hex ('not-a-dev-eui') arrives as bytes of the wrong length.
      devEui: new Uint8Array(Buffer.from(dev, 'hex')),
      outcome,
      time: timestampFromDate(time),
      ...(devNonce === undefined ? {} : { devNonce }),
    }),
  ),
});

test('join events from the bus mark devices activated once per event; refusals, junk and unknown devices are skipped', async () => {
  const h = await createHarness();
  await importDevices(h, 2);
  const handle = joinEventsHandler(h.claims, silentLogger);
  const t = new Date('2026-11-24T10:00:00Z');
  await handle([
    joinEvent('e1', devEui(1), JoinOutcome.ACCEPTED, t),
    joinEvent('e1', devEui(1), JoinOutcome.ACCEPTED, t),
    joinEvent('e2', devEui(2), JoinOutcome.REFUSED, t),
    { key: devEui(2), value: new Uint8Array([0xff, 0xff, 0xff]) },
    joinEvent('e3', 'FFFFFFFFFFFFFFFF', JoinOutcome.ACCEPTED, t),
    joinEvent('bad id', devEui(2), JoinOutcome.ACCEPTED, t),
    joinEvent('e5', 'not-a-dev-eui', JoinOutcome.ACCEPTED, t),
    joinEvent('e4', devEui(1), JoinOutcome.ACCEPTED, new Date('2026-11-24T11:00:00Z')),
  ]);
  const one = await h.store.getDevice(devEui(1));
  assert.equal(one?.activated, true);
  assert.equal(one?.joinCount, 2);
  assert.equal(one?.lastJoinAt, '2026-11-24T11:00:00.000Z');
  const two = await h.store.getDevice(devEui(2));
  assert.equal(two?.activated, false);
  assert.equal(two?.joinCount, 0);
});

test("the DevNonce of each join event goes into the device's join activity; null when the event has none", async () => {
  const h = await createHarness();
  await importDevices(h, 1);
  const handle = joinEventsHandler(h.claims, silentLogger);
  await handle([
    joinEvent('n1', devEui(1), JoinOutcome.ACCEPTED, new Date('2026-11-24T10:00:00Z'), 0x1f2e),
    joinEvent('n2', devEui(1), JoinOutcome.REFUSED, new Date('2026-11-24T10:00:01Z'), 0),
    joinEvent('n3', devEui(1), JoinOutcome.REFUSED, new Date('2026-11-24T10:00:02Z')),
  ]);
  const items = await h.claims.activity.list(admin, devEui(1), 0);
  assert.deepEqual(
    items.map((a) => [a.eventId, a.devNonce]),
    [
      ['n3', null],
      ['n2', 0],
      ['n1', 0x1f2e],
    ],
  );
});

test("a batch's join activity and activation records are written side by side, then its audit entries in one round trip", async () => {
  // Every backend call of the batch, in the order issued, and how many were waiting when each began.
  const calls: string[] = [];
  let waiting = 0;
  const kv = new MemoryKv();
  const traced = new Proxy(kv, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return async (...args: unknown[]) => {
        calls.push(`${name}@${waiting}`);
        waiting += 1;
        await new Promise((resolve) => setImmediate(resolve));
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          waiting -= 1;
        }
      };
    },
  });
  const h = await createHarness({ store: new KvClaimsStore(traced) });
  await importDevices(h, 2);
  const handle = joinEventsHandler(h.claims, silentLogger);
  const t = new Date('2026-11-24T10:00:00Z');
  calls.length = 0;
  await handle([
    joinEvent('w1', devEui(1), JoinOutcome.ACCEPTED, t),
    joinEvent('w2', devEui(2), JoinOutcome.ACCEPTED, t),
  ]);
  // Two waits: the activity appends and the activation script together, then the audit entries with their index
  // entries, all waiting at once (these devices have no owner: the index of all entries and that of the entries of
  // no account, which the retention sweep counts on its own).
  assert.deepEqual(calls, [
    'appendToList@0',
    'appendToList@1',
    'recordJoins@2',
    'insertAllIfAbsent@0',
    'indexAdd@1',
    'indexAdd@2',
    'insertAllIfAbsent@3',
    'indexAdd@4',
    'indexAdd@5',
  ]);
  assert.equal((await h.store.getDevice(devEui(2)))?.joinCount, 1);
  assert.equal((await h.claims.activity.list(admin, devEui(1), 0)).length, 1);
  // Redelivered: nothing is added twice.
  await handle([joinEvent('w1', devEui(1), JoinOutcome.ACCEPTED, t)]);
  assert.equal((await h.store.getDevice(devEui(1)))?.joinCount, 1);
  assert.equal((await h.claims.activity.list(admin, devEui(1), 0)).length, 1);
  const audit = await h.store.access.listAudit(null, null, 100);
  assert.equal(audit.filter((e) => e.action === 'keys.released').length, 2);
});
