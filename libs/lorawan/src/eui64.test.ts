import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EUI64 } from './eui64.js';
import { hex } from './test-vectors.js';

test('parse takes big-endian hex in either case with optional 0x; toWire is little-endian', () => {
  const eui = EUI64.parse('0x70b3d57ed0000abc');
  assert.equal(eui.toString(), '70B3D57ED0000ABC');
  assert.equal(eui.toJSON(), '70B3D57ED0000ABC');
  assert.equal(hex(eui.toWire()), 'bc0a00d07ed5b370');
  assert.equal(hex(eui.bytes()), '70b3d57ed0000abc');
  assert.ok(EUI64.fromWire(eui.toWire()).equals(eui));
  assert.ok(EUI64.fromBytes(eui.bytes()).equals(EUI64.parse('70B3D57ED0000ABC')));
  assert.ok(!eui.equals(EUI64.parse('70B3D57ED0000ABD')));
});

test('empty, short, long and non-hex input is lorawan:invalid_eui, never a zero EUI', () => {
  for (const bad of [
    '',
    '0x',
    '0102030405',
    '010203040506070809',
    '01020304050607zz',
    ' 0102030405060708',
    '01-02-03-04-05-06-07-08',
  ]) {
    assert.throws(
      () => EUI64.parse(bad),
      { code: 'lorawan:invalid_eui', kind: 'invalid_argument' },
      JSON.stringify(bad),
    );
  }
  assert.throws(() => EUI64.fromWire(new Uint8Array(7)), { code: 'lorawan:invalid_eui' });
  assert.throws(() => EUI64.fromBytes(new Uint8Array(9)), { code: 'lorawan:invalid_eui' });
});

test('value types copy their input: later mutation of the source or of bytes() changes nothing', () => {
  const source = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const eui = EUI64.fromBytes(source);
  source[0] = 0xff;
  eui.bytes()[1] = 0xff;
  eui.toWire()[0] = 0xff;
  assert.equal(eui.toString(), '0102030405060708');
});
