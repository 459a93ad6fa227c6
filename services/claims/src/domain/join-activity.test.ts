import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { admin, claimCodeOf, createHarness, createOwner, devEui, importDevices } from '../testing/harness.js';
import { claimsErrors } from './errors.js';
import type { JoinActivityRecord } from './model.js';

const event = (id: string, time: string, overrides: Partial<JoinActivityRecord> = {}) => ({
  devEui: devEui(1),
  activity: {
    eventId: id,
    time,
    accepted: true,
    resultCode: 'Success',
    errorCode: '',
    accountId: '',
    networkServerId: '',
    netId: '000013',
    kind: 'join-request' as const,
    ...overrides,
  },
});

test("a device's last joins, newest first, once per event; an owner sees those since its claim", async () => {
  const h = await createHarness();
  const a = await createOwner(h, 'a', '000013');
  const b = await createOwner(h, 'b', '000014');
  await importDevices(h, 1);
  await h.claims.activity.record([event('before-claim', '2026-05-01T00:00:00.000Z')]);
  await h.claims.devices.claim(a.principal, {
    devEui: devEui(1),
    claimCode: claimCodeOf(1),
    networkServerId: a.ns.id,
    applicationServerId: null,
  });
  const t = (s: number) => new Date(h.clock.now().getTime() + s * 1000).toISOString();
  await h.claims.activity.record([
    event('e1', t(1)),
    event('e3', t(3), { accepted: false, resultCode: 'MICFailed', errorCode: 'keys:mic_mismatch' }),
    event('e2', t(2)),
    event('e1', t(1)),
    { ...event('bad', t(4)), devEui: 'nope' },
  ]);
  const mine = await h.claims.activity.list(a.principal, devEui(1), 0);
  assert.deepEqual(
    mine.map((x) => [x.eventId, x.accepted, x.resultCode]),
    [
      ['e3', false, 'MICFailed'],
      ['e2', true, 'Success'],
      ['e1', true, 'Success'],
    ],
  );
  assert.deepEqual((await h.claims.activity.list(a.principal, devEui(1), 2)).length, 2);
  assert.equal((await h.claims.activity.list(admin, devEui(1), 0)).length, 4);
  await assert.rejects(h.claims.activity.list(b.principal, devEui(1), 0), (e: unknown) =>
    JoineryError.is(e, claimsErrors.unknown_device.code),
  );
  await assert.rejects(h.claims.activity.list(a.principal, devEui(1), 101), (e: unknown) =>
    JoineryError.is(e, claimsErrors.invalid_argument.code),
  );
});

test('at most 50 joins are kept per device', async () => {
  const h = await createHarness();
  await importDevices(h, 1);
  await h.claims.activity.record(
    Array.from({ length: 60 }, (_, i) =>
      event(`e${i}`, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()),
    ),
  );
  const kept = await h.claims.activity.list(admin, devEui(1), 100);
  assert.equal(kept.length, 50);
  assert.equal(kept[0]?.eventId, 'e59');
  assert.equal(kept[49]?.eventId, 'e10');
});
