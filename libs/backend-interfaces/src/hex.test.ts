import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, hexToBytes, normalizeHex } from './hex.js';

test('normalizeHex accepts either case and an optional 0x, and emits upper case', () => {
  assert.equal(normalizeHex('00005eef10000a01'), '00005EEF10000A01');
  assert.equal(normalizeHex('0x00005EEF10000a01'), '00005EEF10000A01');
  assert.equal(normalizeHex('0XabCD'), 'ABCD');
});

test('normalizeHex refuses empty, odd-length and non-hex strings', () => {
  for (const bad of ['', '0x', 'abc', 'zz', '00 11', '0x0x00', '-1'])
    assert.equal(normalizeHex(bad), undefined, bad);
});

test('hexToBytes and bytesToHex round-trip', () => {
  const bytes = hexToBytes('00FF10');
  assert.deepEqual(bytes, new Uint8Array([0x00, 0xff, 0x10]));
  assert.equal(bytesToHex(bytes), '00FF10');
  assert.equal(bytesToHex(new Uint8Array([1, 2, 3, 4]).subarray(1, 3)), '0203');
});
