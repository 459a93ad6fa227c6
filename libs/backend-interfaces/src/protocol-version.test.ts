import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isProtocolVersion, protocolVersions } from './protocol-version.js';

test('only "1.0" and "1.1" are protocol versions (TTS config names BI1.0/BI1.1 are not wire values)', () => {
  assert.deepEqual(protocolVersions, ['1.0', '1.1']);
  for (const v of ['1.0', '1.1']) assert.ok(isProtocolVersion(v), v);
  for (const v of ['BI1.0', '1', '1.1.0', '2.0', 1.1, null]) assert.ok(!isProtocolVersion(v), String(v));
});
