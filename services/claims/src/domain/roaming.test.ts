import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  admin,
  claimFor,
  claimInput,
  createHarness,
  createOwner,
  devEui,
  homeNetworkOf,
  importDevices,
  rejectsWith,
} from '../testing/harness.js';
import { claimsErrors } from './errors.js';

/** Owner x claims devices 1 and 2 on its NS (NetID 000013); y (000014) and z (000015) are other operators. */
async function world() {
  const h = await createHarness();
  await importDevices(h, 3);
  const x = await createOwner(h, 'x', '000013');
  const y = await createOwner(h, 'y', '000014');
  const z = await createOwner(h, 'z', '000015');
  for (const n of [1, 2]) await claimFor(h, x, n);
  return { h, x, y, z };
}

describe('roaming agreements (HomeNSReq)', () => {
  test('by default only the home NS gets an answer', async () => {
    const { h, x, y } = await world();
    assert.deepEqual(await homeNetworkOf(h, x, 1), { netId: '000013', nsId: null });
    await rejectsWith(homeNetworkOf(h, y, 1), claimsErrors.no_roaming_agreement.code);
    assert.deepEqual(await h.claims.devices.roaming(x.principal, devEui(1)), []);
  });

  test('a device agreement lets a registered NS of that NetID learn the home network of that device only', async () => {
    const { h, x, y, z } = await world();
    assert.deepEqual(
      await h.claims.devices.setRoaming(x.principal, devEui(1), ['000014', '0x000014', '00001A']),
      ['000014', '00001A'],
    );
    assert.deepEqual(await h.claims.devices.roaming(x.principal, devEui(1)), ['000014', '00001A']);
    // The answer names the home NS, not the asker.
    assert.deepEqual(await homeNetworkOf(h, y, 1), { netId: '000013', nsId: null });
    await rejectsWith(homeNetworkOf(h, y, 2), claimsErrors.no_roaming_agreement.code);
    await rejectsWith(homeNetworkOf(h, z, 1), claimsErrors.no_roaming_agreement.code);
    // The asker must be the NS its credential registered: another SenderID is refused.
    await rejectsWith(
      h.claims.gateway.homeNetwork({
        devEui: devEui(1),
        credential: { kind: 'bearer-token', token: z.ns.bearerToken },
        senderNetId: '000014',
        senderNsId: null,
      }),
      claimsErrors.no_roaming_agreement.code,
    );
  });

  test('an account agreement covers every claimed device of the account', async () => {
    const { h, x, y, z } = await world();
    assert.deepEqual(await h.claims.accounts.setRoaming(x.principal, null, ['000015']), ['000015']);
    assert.deepEqual(await h.claims.accounts.roaming(x.principal, null), ['000015']);
    assert.deepEqual(await homeNetworkOf(h, z, 1), { netId: '000013', nsId: null });
    assert.deepEqual(await homeNetworkOf(h, z, 2), { netId: '000013', nsId: null });
    await rejectsWith(homeNetworkOf(h, y, 1), claimsErrors.no_roaming_agreement.code);
    // Unclaimed devices have no home network to tell.
    await rejectsWith(homeNetworkOf(h, z, 3), claimsErrors.no_roaming_agreement.code);
    // An owner sets its own account whatever it names; the admin names any.
    await h.claims.accounts.setRoaming(y.principal, x.principal.accountId, ['000016']);
    assert.deepEqual(await h.claims.accounts.roaming(admin, x.principal.accountId), ['000015']);
    assert.deepEqual(await h.claims.accounts.roaming(admin, y.principal.accountId), ['000016']);
  });

  test('agreements belong to the owner: a new claim starts with none', async () => {
    const { h, x, y } = await world();
    await h.claims.devices.setRoaming(x.principal, devEui(1), ['000014']);
    await h.claims.devices.unclaim(x.principal, devEui(1));
    await h.claims.devices.claim(y.principal, claimInput(1, y.ns.id));
    assert.deepEqual(await h.claims.devices.roaming(y.principal, devEui(1)), []);
    await rejectsWith(homeNetworkOf(h, x, 1), claimsErrors.no_roaming_agreement.code);
  });

  test('bad input is refused and changes nothing; strangers see no device', async () => {
    const { h, x, y } = await world();
    await h.claims.devices.setRoaming(x.principal, devEui(1), ['000014']);
    for (const bad of [
      ['00001'],
      ['zzzzzz'],
      ['00000014'],
      Array.from({ length: 65 }, (_, i) => i.toString(16).padStart(6, '0')),
    ])
      await rejectsWith(
        h.claims.devices.setRoaming(x.principal, devEui(1), bad),
        claimsErrors.invalid_argument.code,
      );
    await rejectsWith(
      h.claims.accounts.setRoaming(x.principal, null, ['x']),
      claimsErrors.invalid_argument.code,
    );
    assert.deepEqual(await h.claims.devices.roaming(x.principal, devEui(1)), ['000014']);
    await rejectsWith(
      h.claims.devices.setRoaming(y.principal, devEui(1), ['000014']),
      claimsErrors.unknown_device.code,
    );
    await rejectsWith(h.claims.devices.roaming(y.principal, devEui(1)), claimsErrors.unknown_device.code);
    await rejectsWith(
      h.claims.devices.setRoaming(admin, devEui(3), ['000014']),
      claimsErrors.not_claimed.code,
    );
    await rejectsWith(
      h.claims.accounts.setRoaming(admin, null, ['000014']),
      claimsErrors.invalid_argument.code,
    );
  });
});
