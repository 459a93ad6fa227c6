import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { biErrors } from './errors.js';
import { parseMacVersion } from './mac-version.js';

test('parseMacVersion normalizes the strings TTS and ChirpStack send', () => {
  const cases: [string, string][] = [
    ['1.0', '1.0.0'],
    ['1.0.0', '1.0.0'],
    ['1.0.1', '1.0.1'],
    ['1.0.2', '1.0.2'],
    ['1.0.3', '1.0.3'],
    ['1.0.4', '1.0.4'],
    ['1.1', '1.1'],
    ['1.1.0', '1.1'],
  ];
  for (const [input, expected] of cases) assert.equal(parseMacVersion(input), expected, input);
});

test('parseMacVersion: well-formed but unknown versions are unsupported, garbage is malformed', () => {
  for (const v of ['1.2', '1.1.1', '1.0.5', '2.0'])
    assert.throws(
      () => parseMacVersion(v),
      (e) => JoineryError.is(e, biErrors.unsupported_mac_version.code),
      v,
    );
  for (const v of ['', 'v1.0', '1', '1.0.3b', '1.0.'])
    assert.throws(
      () => parseMacVersion(v),
      (e) => JoineryError.is(e, biErrors.malformed_message.code) && e.details['field'] === 'MACVersion',
      v,
    );
});
