import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonOfErrorCode, resultCodeOfErrorCode } from './error-reasons.js';

test('one ResultCode per error code and protocol version, for the answer and the join event alike', () => {
  assert.equal(resultCodeOfErrorCode('keys:malformed_frame', '1.0'), 'MalformedRequest');
  assert.equal(resultCodeOfErrorCode('keys:malformed_frame', '1.1'), 'MalformedMessage');
  assert.equal(resultCodeOfErrorCode('keys:dev_nonce_replayed', '1.0'), 'JoinReqFailed');
  assert.equal(resultCodeOfErrorCode('keys:dev_nonce_replayed', '1.1'), 'FrameReplayed');
  assert.equal(resultCodeOfErrorCode('gateway:not_authorized', '1.1'), 'UnknownDevEUI');
});

test('a code no table knows is Other', () => {
  assert.equal(reasonOfErrorCode('keys:something_new'), 'other');
  assert.equal(resultCodeOfErrorCode('keys:something_new', '1.0'), 'Other');
});
