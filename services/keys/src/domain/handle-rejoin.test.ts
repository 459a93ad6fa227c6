import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema, JoinKind } from '@joinery/proto/events/v1/events_pb';
import { rejoinType02Phy, rejoinType1Phy } from '../testing/fake-key-vault.js';
import { createKeysTestKit } from '../testing/keys-test-kit.js';
import { keysErrors } from './errors.js';
import { handleJoin } from './handle-join.js';
import { handleRejoin } from './handle-rejoin.js';
import { bytesFromHex, idHex } from './hex.js';
import type { JoinContext } from './join-pipeline.js';

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: { code?: string }) => err.code === code);
const withPhy = (ctx: JoinContext, phyPayload: Uint8Array): JoinContext => ({
  ...ctx,
  request: { ...ctx.request, phyPayload },
});

test('rejoin type 1: JSIntKey MIC checked, RJcount1 must increase per device, 1.1 keys answered', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.1');
  const ctx = kit.joinContext(devEui, '1.1', 1);
  const answer = await handleRejoin(
    kit.deps,
    withPhy(ctx, rejoinType1Phy(kit.rootKey, kit.joinEui, devEui, 4)),
  );
  assert.equal(answer.kind, JoinKind.REJOIN_TYPE_1);
  assert.equal(answer.joinNonce, 1);
  assert.ok(answer.fNwkSIntKey && answer.nwkSEncKey);
  await rejectsWith(
    handleRejoin(kit.deps, withPhy(ctx, rejoinType1Phy(kit.rootKey, kit.joinEui, devEui, 4))),
    keysErrors.rj_count_replayed.code,
  );
  const bad = rejoinType1Phy(kit.rootKey, kit.joinEui, devEui, 5);
  bad[23]! ^= 0xff;
  await rejectsWith(handleRejoin(kit.deps, withPhy(ctx, bad)), keysErrors.mic_failed.code);
  // Each event carries the rejoin's RJcount1 in its devNonce: the accept, the replay, the bad MIC.
  const counts = (await kit.deps.state.outbox.read(100)).map(
    (r) => fromBinary(JoinEventSchema, r.value).devNonce,
  );
  assert.deepEqual(counts, [4, 4, 5]);
  assert.equal(
    (await handleRejoin(kit.deps, withPhy(ctx, rejoinType1Phy(kit.rootKey, kit.joinEui, devEui, 5))))
      .joinNonce,
    2,
  );
});

test('rejoin types 0/2: RJcount0 restarts with every accept, so type 2 at 0 follows type 0; replays are refused', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.1');
  const ctx = kit.joinContext(devEui, '1.1', 1);
  const netId = bytesFromHex('000013');
  assert.equal(
    (await handleRejoin(kit.deps, withPhy(ctx, rejoinType02Phy(0, netId, devEui, 0)))).kind,
    JoinKind.REJOIN_TYPE_0,
  );
  const [type0Event] = await kit.deps.state.outbox.read(100);
  assert.equal(fromBinary(JoinEventSchema, type0Event!.value).devNonce, 0, 'RJcount0 0 is known, not absent');
  // The device processed that accept and reset RJcount0 (LoRaWAN 1.1 §6.2.4.4): its next rejoin carries 0 again.
  const type2 = await handleRejoin(kit.deps, withPhy(ctx, rejoinType02Phy(2, netId, devEui, 0)));
  assert.equal(type2.kind, JoinKind.REJOIN_TYPE_2);
  assert.equal(type2.joinNonce, 2);
  await rejectsWith(
    handleRejoin(kit.deps, withPhy(ctx, rejoinType02Phy(0, netId, devEui, 0))),
    keysErrors.rj_count_replayed.code,
  );
  await rejectsWith(
    handleRejoin(kit.deps, withPhy(ctx, rejoinType02Phy(2, netId, devEui, 0))),
    keysErrors.rj_count_replayed.code,
  );
  await handleJoin(kit.deps, ctx);
  assert.equal(
    (await handleRejoin(kit.deps, withPhy(ctx, rejoinType02Phy(2, netId, devEui, 1)))).joinNonce,
    4,
  );
  assert.equal(
    (await kit.deps.state.getNonceState(idHex(devEui))).lastDevNonce,
    1,
    'rejoins leave the DevNonce alone',
  );
});

test('rejoins need a 1.1 device and a 1.1 NS', async () => {
  const kit = await createKeysTestKit();
  const dev10 = await kit.device('1.0.4');
  const dev11 = await kit.device('1.1');
  const ctx10 = kit.joinContext(dev10, '1.0.4', 1);
  await rejectsWith(
    handleRejoin(kit.deps, withPhy(ctx10, rejoinType1Phy(kit.rootKey, kit.joinEui, dev10, 1))),
    keysErrors.unsupported_mac_version.code,
  );
  const ctx11 = kit.joinContext(dev11, '1.1', 1, { optNegAllowed: false });
  await rejectsWith(
    handleRejoin(kit.deps, withPhy(ctx11, rejoinType1Phy(kit.rootKey, kit.joinEui, dev11, 1))),
    keysErrors.unsupported_mac_version.code,
  );
  await rejectsWith(
    handleRejoin(kit.deps, withPhy(ctx11, new Uint8Array([0xc0, 7, 1, 2]))),
    keysErrors.malformed_frame.code,
  );
});
