import { fromBinary } from '@bufbuild/protobuf';
import { JoinEventSchema, JoinKind, JoinOutcome, type JoinEvent } from '@joinery/proto/events/v1/events_pb';
import { JoineryError } from '@joinery/errors';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyUnwrap } from '../testing/lorawan-crypto.js';
import { openJoinAccept10 } from '../testing/fake-key-vault.js';
import { createKeysTestKit, kitBindingId, type KeysTestKit } from '../testing/keys-test-kit.js';
import { keysErrors, refusalEventIdDetail } from './errors.js';
import { getAppSKey } from './get-app-s-key.js';
import { handleJoin } from './handle-join.js';
import { idHex } from './hex.js';
import { resetDevNonces } from './reset-dev-nonces.js';

async function events(kit: KeysTestKit): Promise<JoinEvent[]> {
  return (await kit.deps.state.outbox.read(1000)).map((r) => fromBinary(JoinEventSchema, r.value));
}

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (err: { code?: string }) => err.code === code);

test('a 1.0.3 join is accepted: decryptable join-accept, wrapped keys, session kept, ACCEPTED event', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.3');
  const answer = await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.3', 0x1f2e));
  assert.equal(answer.joinNonce, 1);
  const { plain, micOk } = openJoinAccept10(kit.rootKey, answer.joinAcceptPhy);
  assert.ok(micOk);
  assert.equal(idHex(plain.subarray(0, 3)), '010000', 'JoinNonce 1, little-endian');
  assert.equal(answer.nwkSKey?.kekLabel, 'ns:000013');
  assert.equal(answer.fNwkSIntKey, undefined);
  assert.equal(answer.appSKey?.kekLabel, 'as:as1');
  assert.equal(answer.sessionKeyId.length, 16);
  const [event] = await events(kit);
  assert.equal(event?.outcome, JoinOutcome.ACCEPTED);
  assert.equal(event?.kind, JoinKind.JOIN_REQUEST);
  assert.equal(event?.resultCode, 'Success');
  assert.equal(idHex(event?.devEui ?? new Uint8Array()), idHex(devEui));
  assert.equal(event?.joinNonce, 1);
  assert.equal(event?.devNonce, 0x1f2e, 'the DevNonce of the JoinReq');
  assert.equal(idHex(event?.sessionKeyId ?? new Uint8Array()), idHex(answer.sessionKeyId));
  assert.equal(event?.eventId, answer.eventId);
  assert.equal(event?.accountId, 'acc-1');
  assert.equal(idHex(event?.netId ?? new Uint8Array()), '000013');
  const asKey = await getAppSKey(kit.deps, {
    devEui,
    sessionKeyId: answer.sessionKeyId,
    asId: 'as1',
    delivery: { kekLabel: 'as:as1' },
    bindingId: kitBindingId,
  });
  assert.deepEqual(keyUnwrap(kit.asKek, asKey.key), keyUnwrap(kit.asKek, answer.appSKey!.key));
});

test('a bad MIC is refused with keys:mic_failed, changes no state and records a REFUSED event', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.4');
  const ctx = kit.joinContext(devEui, '1.0.4', 5);
  const phy = Uint8Array.from(ctx.request.phyPayload);
  phy[22]! ^= 0x01;
  await rejectsWith(
    handleJoin(kit.deps, { ...ctx, request: { ...ctx.request, phyPayload: phy, protocolVersion: '1.1' } }),
    keysErrors.mic_failed.code,
  );
  const state = await kit.deps.state.getNonceState(idHex(devEui));
  assert.equal(state.joinNonce, 0);
  assert.equal(state.lastDevNonce, -1);
  assert.equal(kit.deps.vault.calls.buildJoinAccept, 0);
  const [event] = await events(kit);
  assert.equal(event?.outcome, JoinOutcome.REFUSED);
  assert.equal(event?.resultCode, 'MICFailed');
  assert.equal(event?.errorCode, 'keys:mic_failed');
  assert.equal(event?.devNonce, 5, 'a refused join records its DevNonce too');
  // The same DevNonce with a good MIC is still accepted: the refusal did not burn it.
  assert.equal((await handleJoin(kit.deps, ctx)).joinNonce, 1);
});

test('a recorded refusal carries its event id (event_id); one whose event could not be written carries none', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.4');
  const ctx = kit.joinContext(devEui, '1.0.4', 5);
  const phy = Uint8Array.from(ctx.request.phyPayload);
  phy[22]! ^= 0x01;
  const bad = { ...ctx, request: { ...ctx.request, phyPayload: phy } };
  const recorded = await handleJoin(kit.deps, bad).then(
    () => assert.fail('a bad MIC must be refused'),
    (err: unknown) => err,
  );
  assert.ok(JoineryError.is(recorded, keysErrors.mic_failed.code));
  const [event] = await events(kit);
  assert.equal(recorded.details[refusalEventIdDetail], event?.eventId);

  const appendEvent = kit.deps.state.appendEvent.bind(kit.deps.state);
  kit.deps.state.appendEvent = async () => {
    throw new Error('store down');
  };
  const unrecorded = await handleJoin(kit.deps, bad).then(
    () => assert.fail('a bad MIC must be refused'),
    (err: unknown) => err,
  );
  kit.deps.state.appendEvent = appendEvent;
  assert.ok(JoineryError.is(unrecorded, keysErrors.mic_failed.code));
  assert.equal(unrecorded.details[refusalEventIdDetail], undefined);
  assert.equal((await events(kit)).length, 1);
});

test('LoRaWAN 1.0.0–1.0.3 refuse a reused DevNonce (keys:dev_nonce_replayed) in any order', async () => {
  for (const version of ['1.0.0', '1.0.1', '1.0.2', '1.0.3'] as const) {
    const kit = await createKeysTestKit();
    const devEui = await kit.device(version);
    assert.equal((await handleJoin(kit.deps, kit.joinContext(devEui, version, 500))).joinNonce, 1);
    assert.equal(
      (await handleJoin(kit.deps, kit.joinContext(devEui, version, 20))).joinNonce,
      2,
      'random order is fine',
    );
    await rejectsWith(
      handleJoin(kit.deps, kit.joinContext(devEui, version, 500)),
      keysErrors.dev_nonce_replayed.code,
    );
    const refused = (await events(kit)).at(-1);
    assert.equal(refused?.errorCode, 'keys:dev_nonce_replayed');
    assert.equal(refused?.resultCode, 'JoinReqFailed', 'BI 1.0 has no FrameReplayed');
    assert.equal((await kit.deps.state.getNonceState(idHex(devEui))).joinNonce, 2);
  }
});

test('LoRaWAN 1.0.4 and 1.1 refuse a DevNonce not greater than the last (keys:dev_nonce_too_small)', async () => {
  for (const version of ['1.0.4', '1.1'] as const) {
    const kit = await createKeysTestKit();
    const devEui = await kit.device(version);
    await handleJoin(kit.deps, kit.joinContext(devEui, version, 10));
    kit.clock.advance(61_000); // past the retry window: the identical request is a replay too
    await rejectsWith(
      handleJoin(kit.deps, kit.joinContext(devEui, version, 10)),
      keysErrors.dev_nonce_too_small.code,
    );
    await rejectsWith(
      handleJoin(kit.deps, kit.joinContext(devEui, version, 3)),
      keysErrors.dev_nonce_too_small.code,
    );
    assert.equal((await handleJoin(kit.deps, kit.joinContext(devEui, version, 11))).joinNonce, 2);
  }
});

test('JoinNonces are strictly increasing across joins', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.4');
  const nonces: number[] = [];
  for (let n = 0; n < 20; n++)
    nonces.push((await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', n))).joinNonce);
  assert.deepEqual(
    nonces,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
});

test('the JoinNonce 0xFFFFFF is the last one: afterwards keys:join_nonce_exhausted', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.4');
  kit.deps.state.seedJoinNonce(idHex(devEui), 0xfffffe);
  assert.equal((await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 1))).joinNonce, 0xffffff);
  await rejectsWith(
    handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 2)),
    keysErrors.join_nonce_exhausted.code,
  );
  const state = await kit.deps.state.getNonceState(idHex(devEui));
  assert.equal(state.lastDevNonce, 1, 'the refused DevNonce was not recorded');
  assert.equal((await events(kit)).at(-1)?.errorCode, 'keys:join_nonce_exhausted');
});

test('unknown device, missing MAC version and malformed frames are refused by code', async () => {
  const kit = await createKeysTestKit();
  const known = await kit.device('1.0.3');
  const unknownCtx = kit.joinContext(new Uint8Array(8).fill(0x42), '1.0.3', 1);
  await rejectsWith(handleJoin(kit.deps, unknownCtx), keysErrors.unknown_device.code);
  await rejectsWith(
    handleJoin(kit.deps, kit.joinContext(known, undefined, 1)),
    keysErrors.unsupported_mac_version.code,
  );
  const ctx = kit.joinContext(known, '1.0.3', 1);
  await rejectsWith(
    handleJoin(kit.deps, {
      ...ctx,
      request: { ...ctx.request, phyPayload: ctx.request.phyPayload.subarray(0, 22) },
    }),
    keysErrors.malformed_frame.code,
  );
  const other = kit.joinContext(unknownCtx.device.devEui, '1.0.3', 1);
  await rejectsWith(
    handleJoin(kit.deps, { ...ctx, request: other.request }),
    keysErrors.malformed_frame.code,
  );
  const codes = (await events(kit)).map((e) => [e.outcome, e.errorCode, e.resultCode]);
  assert.deepEqual(codes, [
    [JoinOutcome.REFUSED, 'keys:unknown_device', 'UnknownDevEUI'],
    [JoinOutcome.REFUSED, 'keys:unsupported_mac_version', 'JoinReqFailed'],
    // The gateway's answer to the NS for the same refusal (one table, @joinery/wire).
    [JoinOutcome.REFUSED, 'keys:malformed_frame', 'MalformedRequest'],
    [JoinOutcome.REFUSED, 'keys:malformed_frame', 'MalformedRequest'],
  ]);
  // The DevNonce is known wherever the frame parsed; the truncated one has none.
  assert.deepEqual(
    (await events(kit)).map((e) => e.devNonce),
    [1, 1, undefined, 1],
  );
  assert.equal((await kit.deps.state.getNonceState(idHex(known))).joinNonce, 0);
});

test('a 1.1 device gets three network keys with OptNeg, one NwkSKey through a 1.0-only NS', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.1');
  const answer11 = await handleJoin(kit.deps, kit.joinContext(devEui, '1.1', 1));
  assert.ok(answer11.fNwkSIntKey && answer11.sNwkSIntKey && answer11.nwkSEncKey);
  assert.equal(answer11.nwkSKey, undefined);
  const answer10 = await handleJoin(kit.deps, kit.joinContext(devEui, '1.1', 2, { optNegAllowed: false }));
  assert.ok(answer10.nwkSKey);
  assert.equal(answer10.fNwkSIntKey, undefined);
  assert.ok(openJoinAccept10(kit.rootKey, answer10.joinAcceptPhy).micOk);
});

test('session-key-id-only delivery leaves the AppSKey out; the AS fetches it; plaintext delivery is honoured', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.3');
  const answer = await handleJoin(
    kit.deps,
    kit.joinContext(devEui, '1.0.3', 1, {
      appSKeyDelivery: { sessionKeyIdOnly: true },
      nwkKeyDelivery: { plaintext: true },
    }),
  );
  assert.equal(answer.appSKey, undefined);
  assert.equal(answer.nwkSKey?.kekLabel, undefined);
  assert.equal(answer.nwkSKey?.key.length, 16);
  const fetched = await getAppSKey(kit.deps, {
    devEui,
    sessionKeyId: answer.sessionKeyId,
    asId: 'as1',
    delivery: { kekLabel: 'as:as1' },
    bindingId: kitBindingId,
  });
  assert.equal(fetched.kekLabel, 'as:as1');
  assert.equal(keyUnwrap(kit.asKek, fetched.key).length, 16);
});

test('only the newest N sessions are kept; older ones are keys:unknown_session', async () => {
  const kit = await createKeysTestKit({ maxSessions: 2 });
  const devEui = await kit.device('1.0.4');
  const answers: Awaited<ReturnType<typeof handleJoin>>[] = [];
  for (let n = 1; n <= 3; n++) answers.push(await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', n)));
  const fetch = (i: number) =>
    getAppSKey(kit.deps, {
      devEui,
      sessionKeyId: answers[i]!.sessionKeyId,
      asId: 'as1',
      delivery: { plaintext: true },
      bindingId: kitBindingId,
    });
  await rejectsWith(fetch(0), keysErrors.unknown_session.code);
  assert.equal((await fetch(1)).key.length, 16);
  assert.equal((await fetch(2)).key.length, 16);
  assert.equal((await kit.deps.state.getNonceState(idHex(devEui))).sessionCount, 2);
});

test('a DevNonce reset is audited and logged; the JoinNonce keeps increasing', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.0.4');
  await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 900));
  await rejectsWith(
    resetDevNonces(kit.deps, { devEui, actor: 'admin', reason: ' ' }),
    keysErrors.malformed_request.code,
  );
  const reset = await resetDevNonces(kit.deps, {
    devEui,
    actor: 'admin@example.com',
    reason: 'device firmware reflashed',
  });
  assert.deepEqual(reset, {
    actor: 'admin@example.com',
    reason: 'device firmware reflashed',
    time: kit.clock.now(),
    lastDevNonce: 900,
    historySize: 0,
  });
  assert.equal((await handleJoin(kit.deps, kit.joinContext(devEui, '1.0.4', 0))).joinNonce, 2);
  assert.deepEqual((await kit.deps.state.getNonceState(idHex(devEui))).resets, [reset]);
  const logged = kit.logs.grep('dev nonces reset');
  assert.equal(logged.length, 1);
  assert.equal(logged[0]?.actor, 'admin@example.com');
});

test('the logs of a full join and AppSKey fetch contain no key material', async () => {
  const kit = await createKeysTestKit();
  const devEui = await kit.device('1.1');
  const answer = await handleJoin(
    kit.deps,
    kit.joinContext(devEui, '1.1', 1, {
      nwkKeyDelivery: { plaintext: true },
      appSKeyDelivery: { plaintext: true },
    }),
  );
  await getAppSKey(kit.deps, {
    devEui,
    sessionKeyId: answer.sessionKeyId,
    asId: 'as1',
    delivery: { plaintext: true },
    bindingId: kitBindingId,
  });
  await rejectsWith(
    handleJoin(kit.deps, kit.joinContext(devEui, '1.1', 1)),
    keysErrors.dev_nonce_too_small.code,
  );
  const secrets = [
    kit.rootKey,
    kit.appKey,
    kit.nsKek,
    kit.asKek,
    answer.fNwkSIntKey!.key,
    answer.sNwkSIntKey!.key,
    answer.nwkSEncKey!.key,
    answer.appSKey!.key,
  ];
  const text = kit.logs.text().toLowerCase();
  assert.ok(kit.logs.lines().length >= 3, 'the join was logged');
  for (const secret of secrets) {
    const hex = idHex(secret).toLowerCase();
    assert.ok(!text.includes(hex), 'key hex in logs');
    assert.ok(!text.includes(Buffer.from(secret).toString('base64')), 'key base64 in logs');
  }
});
