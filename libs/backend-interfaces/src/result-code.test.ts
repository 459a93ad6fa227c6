import assert from 'node:assert/strict';
import { test } from 'node:test';
import { protocolVersions } from './protocol-version.js';
import {
  chirpStackV4ResultCodes,
  isResultCodeOf,
  resultCodeFor,
  resultCodes10,
  resultCodes11,
  resultReasons,
} from './result-code.js';

test('every reason maps to a code of its protocol version, for both versions', () => {
  for (const version of protocolVersions) {
    for (const reason of resultReasons) {
      const code = resultCodeFor(reason, version);
      assert.ok(isResultCodeOf(version, code), `${reason} → ${code} under ${version}`);
    }
  }
});

test('BI 1.0 answers use only codes ChirpStack v4 can parse', () => {
  for (const code of resultCodes10) assert.ok(chirpStackV4ResultCodes.includes(code), code);
  for (const reason of resultReasons)
    assert.ok(chirpStackV4ResultCodes.includes(resultCodeFor(reason, '1.0')), reason);
});

test('BI 1.0 never emits the 1.1-only codes', () => {
  const emitted10 = new Set(resultReasons.map((r) => resultCodeFor(r, '1.0')));
  for (const code of ['MalformedMessage', 'FrameReplayed', 'NoAction'])
    assert.ok(!emitted10.has(code as never), code);
  assert.ok(!isResultCodeOf('1.0', 'MalformedMessage'));
  assert.ok(!isResultCodeOf('1.1', 'MalformedRequest'));
});

test('the version-dependent rows of the table', () => {
  assert.equal(resultCodeFor('malformed', '1.0'), 'MalformedRequest');
  assert.equal(resultCodeFor('malformed', '1.1'), 'MalformedMessage');
  assert.equal(resultCodeFor('dev_nonce_replayed', '1.0'), 'JoinReqFailed');
  assert.equal(resultCodeFor('dev_nonce_replayed', '1.1'), 'FrameReplayed');
  assert.equal(resultCodeFor('no_action', '1.0'), 'Other');
  assert.equal(resultCodeFor('no_action', '1.1'), 'NoAction');
});

test('the spec spelling UnkownReceiver is kept in both versions', () => {
  assert.equal(resultCodeFor('unknown_receiver', '1.0'), 'UnkownReceiver');
  assert.equal(resultCodeFor('unknown_receiver', '1.1'), 'UnkownReceiver');
  assert.ok(!(resultCodes11 as readonly string[]).includes('UnknownReceiver'));
});

test('the code lists hold 19 (1.0) and 21 (1.1) distinct codes', () => {
  assert.equal(new Set(resultCodes10).size, 19);
  assert.equal(new Set(resultCodes11).size, 21);
});
