import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { deviceKey } from './device-key.js';

test('device keys carry the upper-case DevEUI as hash tag', () => {
  assert.equal(
    deviceKey('joinery:keys', '0102030405060708', 'nonce'),
    'joinery:keys:{0102030405060708}:nonce',
  );
  assert.equal(deviceKey('joinery:keys', 'a1b2c3d4e5f60718'), 'joinery:keys:{A1B2C3D4E5F60718}');
  assert.equal(
    deviceKey('joinery:claims', Uint8Array.from([0xa1, 0xb2, 0, 0, 0, 0, 0, 0x18]), 'device', 'v1'),
    'joinery:claims:{A1B2000000000018}:device:v1',
  );
});

test('bad DevEUIs and key parts are refused', () => {
  const bad: [string, string | Uint8Array][] = [
    ['joinery:keys', ''],
    ['joinery:keys', '01020304050607'],
    ['joinery:keys', '010203040506070g'],
    ['joinery:keys', '01-02-03-04-05-06-07-08'],
    ['joinery:keys', new Uint8Array(7)],
  ];
  for (const args of bad)
    assert.throws(
      () => deviceKey(...args),
      (err) => JoineryError.is(err, 'store:invalid_dev_eui'),
    );
  const badParts: [string, string[]][] = [
    ['', []],
    ['a{b}', []],
    ['p', ['x y']],
    ['p', ['']],
    ['p', ['}']],
  ];
  for (const [prefix, parts] of badParts) {
    assert.throws(
      () => deviceKey(prefix, '0102030405060708', ...parts),
      (err) => JoineryError.is(err, 'store:invalid_key_part'),
    );
  }
});
