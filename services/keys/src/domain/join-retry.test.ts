import { fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKeysTestKit, type KeysTestKit } from '../testing/keys-test-kit.js';
import { keysErrors } from './errors.js';
import { handleJoin } from './handle-join.js';
import { bytesFromHex, idHex } from './hex.js';
import type { JoinAnswer, JoinContext } from './join-pipeline.js';

// Issue 22 #2, keys side: an NS retry that lands on another gateway replica (no shared duplicate cache) reaches keys
// as the identical request; keys answers it with the same join-accept instead of a DevNonce replay refusal.

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: { code?: string }) => err.code === code);

const accepted = async (kit: KeysTestKit) =>
  (await kit.deps.state.outbox.read(1000))
    .map((r) => fromBinary(JoinEventSchema, r.value))
    .filter((e) => e.outcome === JoinOutcome.ACCEPTED);

const comparable = (a: JoinAnswer) => ({
  joinAcceptPhy: idHex(a.joinAcceptPhy),
  keys: [a.nwkSKey, a.fNwkSIntKey, a.sNwkSIntKey, a.nwkSEncKey, a.appSKey].map(
    (k) => k && { kekLabel: k.kekLabel, key: idHex(k.key) },
  ),
  sessionKeyId: idHex(a.sessionKeyId),
  joinNonce: a.joinNonce,
  eventId: a.eventId,
});

const withDevAddr = (ctx: JoinContext, devAddr: string): JoinContext => ({
  ...ctx,
  request: { ...ctx.request, devAddr: bytesFromHex(devAddr) },
});

for (const version of ['1.0.3', '1.0.4', '1.1'] as const)
  test(`${version}: the identical JoinReq twice gets a byte-identical answer, one session and one join event`, async () => {
    const kit = await createKeysTestKit();
    const devEui = await kit.device(version);
    const ctx = kit.joinContext(devEui, version, 7);
    const first = await handleJoin(kit.deps, ctx);
    kit.clock.advance(5_000);
    const again = await handleJoin(kit.deps, ctx);
    assert.equal(first.retried, false);
    assert.equal(again.retried, true);
    assert.deepEqual(comparable(again), comparable(first));
    assert.equal((await accepted(kit)).length, 1, 'no second ACCEPTED event (billing counts those)');
    const state = await kit.deps.state.getNonceState(idHex(devEui));
    assert.equal(state.joinNonce, 1, 'no JoinNonce spent on the retry');
    assert.equal(state.sessionCount, 1);
  });

test('the same DevNonce in a different request (a new DevAddr) is still a replay', async () => {
  for (const [version, code] of [
    ['1.0.3', keysErrors.dev_nonce_replayed.code],
    ['1.0.4', keysErrors.dev_nonce_too_small.code],
  ] as const) {
    const kit = await createKeysTestKit();
    const devEui = await kit.device(version);
    const ctx = kit.joinContext(devEui, version, 7);
    await handleJoin(kit.deps, ctx);
    await rejectsWith(handleJoin(kit.deps, withDevAddr(ctx, '260B0002')), code);
    await rejectsWith(handleJoin(kit.deps, { ...ctx, request: { ...ctx.request, dlSettings: 3 } }), code);
    await rejectsWith(
      handleJoin(kit.deps, { ...ctx, device: { ...ctx.device, bindingId: 'another-binding' } }),
      code,
    );
    assert.equal((await accepted(kit)).length, 1);
  }
});

test('after the retry window, and for any but the last accepted join, the identical request is refused', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.3');
  const deps = { ...kit.deps, config: { ...kit.deps.config, joinRetryWindowMs: 10_000 } };
  const ctx = kit.joinContext(devEui, '1.0.3', 7);
  await handleJoin(deps, ctx);
  kit.clock.advance(9_999);
  assert.equal((await handleJoin(deps, ctx)).retried, true);
  kit.clock.advance(1);
  await rejectsWith(handleJoin(deps, ctx), keysErrors.dev_nonce_replayed.code);

  const older = kit.joinContext(devEui, '1.0.3', 8);
  await handleJoin(deps, older);
  await handleJoin(deps, kit.joinContext(devEui, '1.0.3', 9));
  await rejectsWith(handleJoin(deps, older), keysErrors.dev_nonce_replayed.code);
  const disabled = { ...deps, config: { ...deps.config, joinRetryWindowMs: 0 } };
  await rejectsWith(
    handleJoin(disabled, kit.joinContext(devEui, '1.0.3', 9)),
    keysErrors.dev_nonce_replayed.code,
  );
});
