import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { macVersionAliases, macVersions } from '@joinery/lorawan';
import { DeviceContextSchema } from '@joinery/proto/keys/v1/keys_pb';
import { macVersionFromProto, macVersionToProto } from './mac-version.js';

test('every MAC version travels as its own string, and back', () => {
  const values = macVersions.map(macVersionToProto);
  assert.equal(new Set(values).size, macVersions.length);
  assert.ok(!values.includes(''));
  for (const version of macVersions) {
    const wire = toBinary(
      DeviceContextSchema,
      create(DeviceContextSchema, { macVersion: macVersionToProto(version) }),
    );
    assert.equal(macVersionFromProto(fromBinary(DeviceContextSchema, wire).macVersion), version);
  }
  assert.equal(macVersionToProto('1.0.3'), '1.0.3');
  assert.equal(macVersionFromProto('1.1'), '1.1');
});

test('an empty, unknown or alias string names no MAC version (as MAC_VERSION_UNSPECIFIED did)', () => {
  for (const value of [
    '',
    '1.2',
    '1.0.5',
    'MAC_VERSION_1_0_3',
    '4',
    ' 1.0.3',
    'toString',
    ...macVersionAliases,
  ])
    assert.equal(macVersionFromProto(value), undefined, value);
});
