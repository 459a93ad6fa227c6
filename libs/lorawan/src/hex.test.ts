import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesEqual, parseHex, reversed, toHex } from './hex.js';

test('parseHex: either case, optional 0x, exact length; empty and odd input are errors', () => {
  assert.deepEqual(parseHex('0xAbCd'), Uint8Array.of(0xab, 0xcd));
  assert.deepEqual(parseHex('0XABCD', 2), Uint8Array.of(0xab, 0xcd));
  for (const bad of ['', '0x', 'abc', 'zz', ' ab', 'ab ', 'a-b'])
    assert.throws(() => parseHex(bad), { code: 'lorawan:invalid_hex' }, bad);
  assert.throws(() => parseHex('abcd', 3), { code: 'lorawan:invalid_hex' });
  assert.throws(() => parseHex(42 as unknown as string), { code: 'lorawan:invalid_hex' });
});

test('toHex, reversed and bytesEqual', () => {
  const bytes = Uint8Array.of(1, 2, 0xff);
  assert.equal(toHex(bytes), '0102ff');
  assert.equal(toHex(bytes.subarray(1)), '02ff');
  assert.deepEqual(reversed(bytes), Uint8Array.of(0xff, 2, 1));
  assert.deepEqual(bytes, Uint8Array.of(1, 2, 0xff));
  assert.ok(bytesEqual(bytes, Uint8Array.of(1, 2, 0xff)));
  assert.ok(!bytesEqual(bytes, Uint8Array.of(1, 2, 0xfe)));
  assert.ok(!bytesEqual(bytes, Uint8Array.of(1, 2)));
});
