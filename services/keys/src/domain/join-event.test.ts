import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinRefusalCodes, keysErrors } from './errors.js';
import { fromBinary } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { JoinEventSchema, JoinOutcome } from '@joinery/proto/events/v1/events_pb';
import { joinEventRecord, joinsTopic, JoinKind, resultCodeFor } from './join-event.js';

test('every join refusal has a BI result code per protocol version; BI 1.0 never gets a 1.1-only code', () => {
  const bi10 = new Set([
    'MICFailed',
    'JoinReqFailed',
    'UnknownDevEUI',
    'FrameSizeError',
    'ActivationDisallowed',
    'MalformedRequest',
    'Other',
  ]);
  for (const code of joinRefusalCodes) {
    assert.ok(bi10.has(resultCodeFor(code, '1.0')), code);
    assert.notEqual(resultCodeFor(code, '1.1'), '');
  }
  assert.equal(resultCodeFor(keysErrors.mic_failed.code, '1.1'), 'MICFailed');
  assert.equal(resultCodeFor(keysErrors.dev_nonce_replayed.code, '1.1'), 'FrameReplayed');
  assert.equal(resultCodeFor(keysErrors.dev_nonce_too_small.code, '1.0'), 'JoinReqFailed');
  assert.equal(resultCodeFor(keysErrors.unknown_device.code, '1.0'), 'UnknownDevEUI');
});

test('a join event carries every fact and the result, accepted or refused', () => {
  const facts = {
    devEui: '0102030405060708',
    joinEui: new Uint8Array([9, 9, 9, 9, 9, 9, 9, 1]),
    kind: JoinKind.JOIN_REQUEST,
    accountId: 'acc-1',
    networkServerId: 'ns-1',
    netId: new Uint8Array([0, 0, 0x13]),
    nsId: new Uint8Array(),
    macVersion: '1.0.4',
    devNonce: 7,
    time: 1_760_000_000_123,
  };
  const sessionKeyId = new Uint8Array(16).fill(4);
  const accepted = joinEventRecord(facts, { accepted: true, joinNonce: 42, sessionKeyId });
  assert.equal(accepted.event.topic, joinsTopic);
  assert.equal(accepted.event.key, facts.devEui);
  const a = fromBinary(JoinEventSchema, accepted.event.value);
  assert.equal(a.eventId, accepted.eventId);
  assert.deepEqual(a.devEui, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.deepEqual(a.joinEui, facts.joinEui);
  assert.equal(timestampMs(a.time!), facts.time);
  assert.equal(a.kind, JoinKind.JOIN_REQUEST);
  assert.equal(a.accountId, 'acc-1');
  assert.equal(a.networkServerId, 'ns-1');
  assert.deepEqual(a.netId, facts.netId);
  assert.equal(a.macVersion, '1.0.4');
  assert.equal(a.devNonce, 7);
  assert.equal(a.outcome, JoinOutcome.ACCEPTED);
  assert.equal(a.resultCode, 'Success');
  assert.equal(a.errorCode, '');
  assert.equal(a.joinNonce, 42);
  assert.deepEqual(a.sessionKeyId, sessionKeyId);

  const refused = joinEventRecord(facts, {
    accepted: false,
    resultCode: 'MICFailed',
    errorCode: keysErrors.mic_failed.code,
  });
  const r = fromBinary(JoinEventSchema, refused.event.value);
  assert.notEqual(refused.eventId, accepted.eventId);
  assert.equal(r.eventId, refused.eventId);
  assert.equal(r.accountId, 'acc-1');
  assert.equal(r.devNonce, 7);
  assert.equal(r.outcome, JoinOutcome.REFUSED);
  assert.equal(r.resultCode, 'MICFailed');
  assert.equal(r.errorCode, keysErrors.mic_failed.code);
  assert.equal(r.joinNonce, 0);
  assert.deepEqual(r.sessionKeyId, new Uint8Array());
});
