import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { AuthorizeRefusal, AuthorizeResponseSchema, PeerKind } from '@joinery/proto/claims/v1/claims_pb';
import { verdictOf } from './authorize-outcome.js';
import { descriptionFor, reasonFor } from './result-reason.js';

const caller = { peerId: 'ns-1', kind: PeerKind.NETWORK_SERVER, netId: new Uint8Array([0, 0, 0x0a]) };
const refusal = (reason: AuthorizeRefusal) =>
  create(AuthorizeResponseSchema, {
    outcome: { case: 'refused', value: { reason, networkServer: caller } },
  });

test('every refusal about the device reads the same to the NS, and keeps the caller for its callback', () => {
  const deviceReasons = Object.values(AuthorizeRefusal).filter(
    (v): v is AuthorizeRefusal =>
      typeof v === 'number' && v !== AuthorizeRefusal.UNSPECIFIED && v !== AuthorizeRefusal.UNKNOWN_SENDER,
  );
  assert.equal(deviceReasons.length, 5);
  const answers = deviceReasons.map((reason) => {
    const verdict = verdictOf(refusal(reason), '00000A');
    assert.equal(verdict.authorized, false);
    assert.equal(verdict.caller?.peerId, 'ns-1');
    return verdict.authorized ? '' : `${reasonFor(verdict.refusal)}/${descriptionFor(verdict.refusal)}`;
  });
  assert.deepEqual(new Set(answers), new Set(['unknown_device/unknown device']));
});

test('an unknown sender has no caller (answered in the response), even if claims named one', () => {
  const verdict = verdictOf(refusal(AuthorizeRefusal.UNKNOWN_SENDER), '00000A');
  assert.equal(verdict.caller, undefined);
  assert.equal(verdict.authorized ? '' : reasonFor(verdict.refusal), 'unknown_sender');
});

test('an answer without an outcome, or authorized without device or delivery, is refused as Other', () => {
  for (const response of [
    create(AuthorizeResponseSchema, {}),
    create(AuthorizeResponseSchema, { outcome: { case: 'authorized', value: { networkServer: caller } } }),
    refusal(AuthorizeRefusal.UNSPECIFIED),
  ]) {
    const verdict = verdictOf(response, '00000A');
    assert.equal(verdict.authorized, false);
    assert.equal(verdict.authorized ? '' : verdict.refusal.code, 'gateway:incomplete_authorization');
  }
});
