import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import {
  admin,
  createHarness,
  createOwner,
  devEui,
  importDevices,
  joinEui,
  listedDevEuis,
  networkServerInput,
  claimInput,
  rejectsWith,
  transferInput,
  type Harness,
} from '../testing/harness.js';
import { createMemoryClaimsStore } from '../adapters/memory/memory-store.js';
import { claimsErrors } from './errors.js';
import type { Principal } from './model.js';
import type { ClaimsStore } from './ports.js';

type ClaimRequest = Parameters<Harness['claims']['devices']['claim']>[1];

describe('claim', () => {
  test('binds the device to the owner and its NS, and publishes imported then claimed', async () => {
    const h = await createHarness();
    await importDevices(h, 3);
    const a = await createOwner(h, 'a', '000013');
    const device = await h.claims.devices.claim(a.principal, {
      ...claimInput(1, a.ns.id),
      applicationServerId: a.as.id,
    });
    assert.equal(device.state, 'claimed');
    assert.equal(device.accountId, a.principal.accountId);
    assert.equal(device.networkServerId, a.ns.id);
    assert.equal(device.applicationServerId, a.as.id);
    assert.deepEqual(h.publisher.kinds(devEui(1)), ['imported', 'claimed']);
    assert.deepEqual((await h.store.getDevice(devEui(1)))?.outbox, []);
  });

  test('explains failures: unknown device, wrong code, already claimed, foreign or unknown NS, locked', async () => {
    const h = await createHarness();
    await importDevices(h, 3);
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    const refuses = async (cases: [string, Principal, ClaimRequest, { code: string }][]) => {
      for (const [name, principal, input, error] of cases)
        await rejectsWith(h.claims.devices.claim(principal, input), error.code, name);
    };
    const foreignAs = { ...claimInput(1, a.ns.id), applicationServerId: b.as.id };
    await refuses([
      ['unknown device', a.principal, claimInput(99, a.ns.id), claimsErrors.unknown_device],
      ['wrong code', a.principal, claimInput(1, a.ns.id, 'WRONG1'), claimsErrors.wrong_claim_code],
      ['another owner’s NS', a.principal, claimInput(1, b.ns.id), claimsErrors.unknown_network_server],
      ['unknown NS', a.principal, claimInput(1, 'ns_missing'), claimsErrors.unknown_network_server],
      ['another owner’s AS', a.principal, foreignAs, claimsErrors.unknown_application_server],
    ]);
    await h.claims.devices.claim(a.principal, claimInput(1, a.ns.id));
    await refuses([
      ['claimed by another', b.principal, claimInput(1, b.ns.id), claimsErrors.already_claimed],
      ['claimed already', a.principal, claimInput(1, a.ns.id), claimsErrors.already_claimed],
    ]);
    await h.claims.devices.lock(admin, devEui(2), 'stolen');
    await refuses([
      ['locked', a.principal, claimInput(2, a.ns.id), claimsErrors.device_locked],
      ['by the admin', admin, claimInput(3, a.ns.id), claimsErrors.permission_denied],
      ['empty code', a.principal, claimInput(3, a.ns.id, ''), claimsErrors.wrong_claim_code],
      [
        'malformed DevEUI',
        a.principal,
        { ...claimInput(3, a.ns.id), devEui: 'xyz' },
        claimsErrors.invalid_argument,
      ],
    ]);
  });

  test('two owners racing for one device: exactly one wins', async () => {
    const h = await createHarness();
    await importDevices(h, 1);
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    const results = await Promise.allSettled([
      h.claims.devices.claim(a.principal, claimInput(1, a.ns.id)),
      h.claims.devices.claim(b.principal, claimInput(1, b.ns.id)),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(JoineryError.is(lost[0]?.reason, claimsErrors.already_claimed.code));
    assert.deepEqual(h.publisher.kinds(devEui(1)), ['imported', 'claimed']);
  });

  const retryAfterOf = (err: unknown) =>
    JoineryError.is(err, claimsErrors.rate_limited.code) ? Number(err.details['retry_after_s']) : -1;

  test('failures back off exponentially per account, up to the limit in a sliding window', async () => {
    const h = await createHarness();
    await importDevices(h, 2);
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    const wrong = (i: number) => h.claims.devices.claim(a.principal, claimInput(1, a.ns.id, `BAD${i}X`));
    for (let i = 0; i < 3; i += 1) await rejectsWith(wrong(i), claimsErrors.wrong_claim_code.code);
    // Three free failures, then 1 s, 2 s, 4 s … after the last one; a refused try is not counted.
    await assert.rejects(wrong(3), (err) => retryAfterOf(err) === 1);
    await assert.rejects(wrong(3), (err) => retryAfterOf(err) === 1);
    for (let i = 3, delay = 1000; i < 10; i += 1, delay *= 2) {
      h.clock.advance(delay);
      await rejectsWith(wrong(i), claimsErrors.wrong_claim_code.code);
    }
    h.clock.advance(10 * 60 * 1000 - 127_000 - 1);
    // Ten failures in the window: even the right code waits until the first of them leaves it.
    await assert.rejects(
      h.claims.devices.claim(a.principal, claimInput(1, a.ns.id)),
      (err) => retryAfterOf(err) === 1,
    );
    // The guesser is limited, not the device: another account claims it with the right code at once.
    const device = await h.claims.devices.claim(b.principal, claimInput(1, b.ns.id));
    assert.equal(device.accountId, b.principal.accountId);
    // The account's own other devices are not held back by ten failures on one.
    await h.claims.devices.claim(a.principal, claimInput(2, a.ns.id));
  });

  test('an owner claiming many devices at once is not refused for the claims in flight', async () => {
    const h = await createHarness();
    await importDevices(h, 40);
    const a = await createOwner(h, 'a', '000013');
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => h.claims.devices.claim(a.principal, claimInput(i + 1, a.ns.id))),
    );
    assert.equal((await h.store.getDevice(devEui(40)))?.accountId, a.principal.accountId);
  });

  test('a successful claim is not counted as a failure', async () => {
    const h = await createHarness();
    await importDevices(h, 12);
    const a = await createOwner(h, 'a', '000013');
    for (let n = 1; n <= 12; n += 1) await h.claims.devices.claim(a.principal, claimInput(n, a.ns.id));
    assert.equal((await h.store.getDevice(devEui(12)))?.accountId, a.principal.accountId);
  });

  test('200 concurrent wrong claims on one device evaluate at most the free tries', async () => {
    const inner = createMemoryClaimsStore();
    let reads = 0;
    const store: ClaimsStore = Object.assign(Object.create(inner) as ClaimsStore, {
      getDevice: (eui: string) => {
        reads += 1;
        return inner.getDevice(eui);
      },
    });
    const h = await createHarness({ store });
    await importDevices(h, 1);
    const a = await createOwner(h, 'a', '000013');
    reads = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        h.claims.devices.claim(a.principal, claimInput(1, a.ns.id, `BAD${i}X`)),
      ),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as JoineryError).code : 'claimed'));
    assert.equal(codes.filter((c) => c === claimsErrors.wrong_claim_code.code).length, 3);
    assert.equal(codes.filter((c) => c === claimsErrors.rate_limited.code).length, 197);
    assert.equal(reads, 3);
  });

  test("other accounts' guesses never lock the owner out: the right code claims at once", async () => {
    const h = await createHarness();
    await importDevices(h, 1);
    const owner = await createOwner(h, 'owner', '000013');
    const guessers = await Promise.all([1, 2, 3, 4, 5].map((n) => createOwner(h, `g${n}`, '000014')));
    let evaluated = 0;
    for (let round = 0; round < 10; round += 1) {
      const tries = await Promise.allSettled(
        guessers.map((g, n) =>
          h.claims.devices.claim(g.principal, claimInput(1, g.ns.id, `BAD${n}${round}X`)),
        ),
      );
      evaluated += tries.filter(
        (t) => t.status === 'rejected' && JoineryError.is(t.reason, claimsErrors.wrong_claim_code.code),
      ).length;
      h.clock.advance(2 ** Math.max(0, round - 2) * 1000);
    }
    // 50 tries: the shared per-device budget (30 failures) ran out for the guessers …
    assert.ok(evaluated <= 30, `${evaluated} evaluated`);
    await rejectsWith(
      h.claims.devices.claim(guessers[0]!.principal, claimInput(1, guessers[0]!.ns.id)),
      claimsErrors.rate_limited.code,
    );
    // … and the owner, who never failed, claims with the right code at once.
    const device = await h.claims.devices.claim(owner.principal, claimInput(1, owner.ns.id));
    assert.equal(device.accountId, owner.principal.accountId);
  });

  test('guessing DevEUIs counts against the account', async () => {
    const h = await createHarness();
    await importDevices(h, 1);
    const a = await createOwner(h, 'a', '000013');
    // 50 failures per account on all DevEUIs (5 × the per-DevEUI limit), backing off over the last three.
    for (let i = 0; i < 50; i += 1) {
      await rejectsWith(
        h.claims.devices.claim(a.principal, claimInput(100 + i, a.ns.id)),
        claimsErrors.unknown_device.code,
      );
      h.clock.advance(2 ** Math.max(0, i - 46) * 1000);
    }
    await rejectsWith(
      h.claims.devices.claim(a.principal, claimInput(1, a.ns.id)),
      claimsErrors.rate_limited.code,
    );
  });
});

describe('unclaim, transfer, lock', () => {
  test('unclaim by the owner makes the device claimable again; others are refused', async () => {
    const h = await createHarness();
    await importDevices(h, 1);
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    await rejectsWith(h.claims.devices.unclaim(a.principal, devEui(1)), claimsErrors.unknown_device.code);
    await h.claims.devices.claim(a.principal, claimInput(1, a.ns.id));
    await rejectsWith(h.claims.devices.unclaim(b.principal, devEui(1)), claimsErrors.unknown_device.code);
    await h.claims.devices.unclaim(a.principal, devEui(1));
    const device = await h.store.getDevice(devEui(1));
    assert.equal(device?.state, 'unclaimed');
    assert.equal(device?.accountId, null);
    assert.equal(device?.networkServerId, null);
    await rejectsWith(h.claims.devices.unclaim(a.principal, devEui(1)), claimsErrors.unknown_device.code);
    await rejectsWith(h.claims.devices.unclaim(admin, devEui(1)), claimsErrors.not_claimed.code);
    const reclaimed = await h.claims.devices.claim(b.principal, claimInput(1, b.ns.id));
    assert.equal(reclaimed.accountId, b.principal.accountId);
    assert.deepEqual(h.publisher.kinds(devEui(1)), ['imported', 'claimed', 'unclaimed', 'claimed']);
    await rejectsWith(h.claims.devices.unclaim(a.principal, devEui(99)), claimsErrors.unknown_device.code);
  });

  test('transfer moves the device to another NS of the same owner only', async () => {
    const h = await createHarness();
    await importDevices(h, 2);
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    const ns2 = await h.claims.peers.registerNetworkServer(
      a.principal,
      networkServerInput({ name: 'second', netId: '000015' }),
    );
    await h.claims.devices.claim(a.principal, claimInput(1, a.ns.id));
    for (const [name, principal, input, error] of [
      ['to another owner’s NS', a.principal, transferInput(1, b.ns.id), claimsErrors.unknown_network_server],
      ['by another owner', b.principal, transferInput(1, b.ns.id), claimsErrors.unknown_device],
      ['of a device not claimed', a.principal, transferInput(2, ns2.peer.id), claimsErrors.unknown_device],
    ] as const)
      await rejectsWith(h.claims.devices.transfer(principal, input), error.code, name);
    const moved = await h.claims.devices.transfer(a.principal, transferInput(1, ns2.peer.id));
    assert.equal(moved.networkServerId, ns2.peer.id);
    const event = h.publisher.events.at(-1);
    assert.deepEqual(event?.change, {
      kind: 'transferred',
      accountId: a.principal.accountId,
      fromNetworkServerId: a.ns.id,
      toNetworkServerId: ns2.peer.id,
    });
  });

  test('lock and unlock are admin-only and restore the previous state', async () => {
    const h = await createHarness();
    await importDevices(h, 2);
    const a = await createOwner(h, 'a', '000013');
    await h.claims.devices.claim(a.principal, claimInput(1, a.ns.id));
    await rejectsWith(h.claims.devices.lock(a.principal, devEui(1), 'x'), claimsErrors.admin_only.code);
    const locked = await h.claims.devices.lock(admin, devEui(1), 'fraud');
    assert.equal(locked.state, 'locked');
    assert.equal(locked.lockReason, 'fraud');
    await rejectsWith(h.claims.devices.unclaim(a.principal, devEui(1)), claimsErrors.device_locked.code);
    await rejectsWith(
      h.claims.devices.transfer(a.principal, transferInput(1, a.ns.id)),
      claimsErrors.device_locked.code,
    );
    await rejectsWith(h.claims.devices.unlock(a.principal, devEui(1)), claimsErrors.admin_only.code);
    assert.equal((await h.claims.devices.unlock(admin, devEui(1))).state, 'claimed');
    await rejectsWith(h.claims.devices.unlock(admin, devEui(1)), claimsErrors.not_locked.code);
    await h.claims.devices.lock(admin, devEui(2), 'qa');
    assert.equal((await h.claims.devices.unlock(admin, devEui(2))).state, 'unclaimed');
    await rejectsWith(h.claims.devices.lock(admin, devEui(99), 'x'), claimsErrors.unknown_device.code);
    assert.deepEqual(h.publisher.kinds(devEui(1)), ['imported', 'claimed', 'locked', 'unlocked']);
  });
});

describe('reading devices', () => {
  test('owners read and list only their own devices; admins read any and list by account or batch', async () => {
    const h = await createHarness();
    await importDevices(h, 5);
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    for (const n of [1, 2, 3]) await h.claims.devices.claim(a.principal, claimInput(n, a.ns.id));
    await h.claims.devices.claim(b.principal, claimInput(4, b.ns.id));
    assert.equal((await h.claims.devices.getDevice(a.principal, devEui(1))).devEui, devEui(1));
    await rejectsWith(h.claims.devices.getDevice(b.principal, devEui(1)), claimsErrors.unknown_device.code);
    await rejectsWith(h.claims.devices.getDevice(b.principal, devEui(5)), claimsErrors.unknown_device.code);
    assert.equal((await h.claims.devices.getDevice(admin, devEui(5))).state, 'unclaimed');
    for (const long of [
      { accountId: 'a'.repeat(3000) },
      { batchId: 'b'.repeat(3000) },
      { pageToken: 'c'.repeat(3000) },
    ])
      await rejectsWith(
        h.claims.devices.listDevices(admin, {
          accountId: null,
          batchId: 'batch',
          pageSize: 0,
          pageToken: null,
          ...long,
        }),
        claimsErrors.invalid_argument.code,
      );
    const page = await h.claims.devices.listDevices(a.principal, {
      accountId: b.principal.accountId,
      batchId: null,
      pageSize: 2,
      pageToken: null,
    });
    assert.deepEqual(
      page.devices.map((d) => d.devEui),
      [devEui(1), devEui(2)],
    );
    const next = await h.claims.devices.listDevices(a.principal, {
      accountId: null,
      batchId: null,
      pageSize: 2,
      pageToken: page.next,
    });
    assert.deepEqual(
      next.devices.map((d) => d.devEui),
      [devEui(3)],
    );
    assert.equal(next.next, null);
    assert.deepEqual(await listedDevEuis(h, admin, { accountId: b.principal.accountId }), [devEui(4)]);
    const batchId = (await h.store.getDevice(devEui(1)))?.batchId ?? '';
    assert.equal((await listedDevEuis(h, admin, { batchId })).length, 5);
  });
});

describe('activation facts', () => {
  test('applyJoinEvent counts each accepted event once', async () => {
    const h = await createHarness();
    await importDevices(h, 1);
    const t1 = new Date('2026-06-01T12:00:00Z');
    const t2 = new Date('2026-06-01T13:00:00Z');
    assert.equal(
      await h.claims.devices.applyJoinEvent({ eventId: 'e1', devEui: devEui(1), accepted: true, time: t2 }),
      true,
    );
    assert.equal(
      await h.claims.devices.applyJoinEvent({ eventId: 'e1', devEui: devEui(1), accepted: true, time: t2 }),
      false,
    );
    assert.equal(
      await h.claims.devices.applyJoinEvent({ eventId: 'e0', devEui: devEui(1), accepted: true, time: t1 }),
      true,
    );
    assert.equal(
      await h.claims.devices.applyJoinEvent({ eventId: 'e2', devEui: devEui(1), accepted: false, time: t1 }),
      false,
    );
    const device = await h.store.getDevice(devEui(1));
    assert.equal(device?.activated, true);
    assert.equal(device?.joinCount, 2);
    assert.equal(device?.lastJoinAt, t2.toISOString());
  });

  test('applyJoinEvents gives one outcome per join and refuses ids the record cannot hold', async () => {
    const h = await createHarness();
    await importDevices(h, 1);
    const t = new Date('2026-06-01T12:00:00Z');
    const joins = [
      { eventId: 'e1', devEui: devEui(1).toLowerCase(), accepted: true, time: t },
      { eventId: 'e2', devEui: devEui(1), accepted: false, time: t },
      { eventId: 'has space', devEui: devEui(1), accepted: true, time: t },
      { eventId: 'x'.repeat(129), devEui: devEui(1), accepted: true, time: t },
      { eventId: 'e3', devEui: 'not-an-eui', accepted: true, time: t },
      { eventId: 'e4', devEui: devEui(1), accepted: true, time: new Date(Number.NaN) },
      { eventId: 'e5', devEui: 'FFFFFFFFFFFFFFFF', accepted: true, time: t },
      { eventId: 'e1', devEui: devEui(1), accepted: true, time: t },
    ];
    assert.deepEqual(await h.claims.devices.applyJoinEvents(joins), [
      'applied',
      'ignored',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'unknown_device',
      'duplicate',
    ]);
    assert.equal((await h.store.getDevice(devEui(1)))?.joinCount, 1);
    await assert.rejects(
      h.claims.devices.applyJoinEvent({ eventId: '', devEui: devEui(1), accepted: true, time: t }),
      (err: unknown) => JoineryError.is(err, 'claims:invalid_argument'),
    );
  });
});

describe('outbox', () => {
  test('events survive a bus outage and are published by the sweep', async () => {
    const h = await createHarness();
    h.publisher.failing = true;
    await importDevices(h, 2);
    assert.equal(h.publisher.events.length, 0);
    assert.equal((await h.store.getDevice(devEui(1)))?.outbox.length, 1);
    h.publisher.failing = false;
    await h.claims.relay.sweep();
    assert.deepEqual(h.publisher.events.map((e) => e.devEui).sort(), [devEui(1), devEui(2)]);
    assert.equal((await h.store.getDevice(devEui(1)))?.outbox.length, 0);
    assert.equal(h.publisher.events[0]?.change.kind, 'imported');
    assert.ok(!JSON.stringify(h.publisher.events).includes(joinEui.toLowerCase()));
  });
});

describe('DevNonce reset', () => {
  test('the owner or the admin resets with a reason; keys records the principal as the actor', async () => {
    const h = await createHarness();
    await importDevices(h, 2);
    const a = await createOwner(h, 'a', '000013');
    await h.claims.devices.claim(a.principal, claimInput(1, a.ns.id));
    h.keys.nonces.set(devEui(1), {
      joinNonce: 9,
      lastDevNonce: 523,
      devNonceHistorySize: 0,
      sessionCount: 3,
      resets: [],
    });
    const reset = await h.claims.devices.resetDevNonces(
      a.principal,
      devEui(1).toLowerCase(),
      '  battery swapped ',
    );
    assert.equal(reset.actor, `account:${a.principal.accountId}/${a.principal.apiKeyId}`);
    assert.equal(reset.reason, 'battery swapped');
    assert.equal(reset.lastDevNonce, 523);
    const byAdmin = await h.claims.devices.resetDevNonces(admin, devEui(1), 'support ticket 42');
    assert.equal(byAdmin.actor, `admin/${admin.apiKeyId}`);
    const state = await h.claims.devices.nonceState(a.principal, devEui(1));
    assert.equal(state.joinNonce, 9, 'the JoinNonce is never reset');
    assert.equal(state.lastDevNonce, -1);
    assert.deepEqual(
      state.resets.map((r) => r.actor),
      [reset.actor, byAdmin.actor],
    );
  });

  test('refused, changing nothing: another account, an unclaimed device, an unknown device, no reason', async () => {
    const h = await createHarness();
    await importDevices(h, 2);
    const a = await createOwner(h, 'a', '000013');
    const b = await createOwner(h, 'b', '000014');
    await h.claims.devices.claim(a.principal, claimInput(1, a.ns.id));
    await rejectsWith(
      h.claims.devices.resetDevNonces(b.principal, devEui(1), 'mine now'),
      claimsErrors.unknown_device.code,
    );
    await rejectsWith(h.claims.devices.nonceState(b.principal, devEui(1)), claimsErrors.unknown_device.code);
    await rejectsWith(
      h.claims.devices.resetDevNonces(a.principal, devEui(2), 'x'),
      claimsErrors.unknown_device.code,
    );
    await rejectsWith(
      h.claims.devices.resetDevNonces(a.principal, devEui(99), 'x'),
      claimsErrors.unknown_device.code,
    );
    await rejectsWith(
      h.claims.devices.resetDevNonces(a.principal, devEui(1), '   '),
      claimsErrors.invalid_argument.code,
    );
    await rejectsWith(
      h.claims.devices.resetDevNonces(a.principal, devEui(1), 'x'.repeat(501)),
      claimsErrors.invalid_argument.code,
    );
    await rejectsWith(
      h.claims.devices.resetDevNonces(a.principal, 'xyz', 'x'),
      claimsErrors.invalid_argument.code,
    );
    assert.equal(h.keys.nonces.size, 0, 'keys was never asked');
  });
});
