import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinRefusalCodes, keysErrors } from './errors.js';
import { resultCodeFor } from './join-event.js';

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
