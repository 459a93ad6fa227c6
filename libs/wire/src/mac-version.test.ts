import assert from 'node:assert/strict';
import { test } from 'node:test';
import { macVersions } from '@joinery/lorawan';
import { MacVersion as MacVersionPb } from '@joinery/proto/keys/v1/keys_pb';
import { macVersionFromProto, macVersionToProto } from './mac-version.js';

test('every MAC version has its own protobuf value, and back', () => {
  const values = macVersions.map(macVersionToProto);
  assert.equal(new Set(values).size, macVersions.length);
  assert.ok(!values.includes(MacVersionPb.MAC_VERSION_UNSPECIFIED));
  for (const version of macVersions) assert.equal(macVersionFromProto(macVersionToProto(version)), version);
});

test('every protobuf value but UNSPECIFIED names a MAC version', () => {
  const named = Object.values(MacVersionPb).filter((v): v is MacVersionPb => typeof v === 'number');
  for (const value of named)
    assert.equal(
      macVersionFromProto(value) === undefined,
      value === MacVersionPb.MAC_VERSION_UNSPECIFIED,
      String(value),
    );
  assert.equal(macVersionToProto('1.0.3'), MacVersionPb.MAC_VERSION_1_0_3);
  assert.equal(macVersionFromProto(MacVersionPb.MAC_VERSION_1_1), '1.1');
});
