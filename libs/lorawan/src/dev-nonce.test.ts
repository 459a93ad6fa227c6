import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevNonce } from './dev-nonce.js';
import { hex } from './test-vectors.js';

test('DevNonce 258: BE hex 0102, wire 0201', () => {
  const nonce = DevNonce.parse('0x0102');
  assert.equal(nonce.value, 258);
  assert.equal(nonce.toString(), '0102');
  assert.equal(nonce.toJSON(), 258);
  assert.equal(hex(nonce.toWire()), '0201');
  assert.ok(DevNonce.fromWire(Uint8Array.of(2, 1)).equals(nonce));
  assert.ok(DevNonce.of(258).equals(nonce));
  assert.ok(!DevNonce.of(0xffff).equals(nonce));
  assert.equal(DevNonce.of(0xffff).toString(), 'FFFF');
});

test('invalid DevNonces are lorawan:invalid_dev_nonce', () => {
  for (const bad of ['', '01', '010203'])
    assert.throws(() => DevNonce.parse(bad), { code: 'lorawan:invalid_dev_nonce' });
  for (const bad of [-1, 0x10000, 1.5])
    assert.throws(() => DevNonce.of(bad), { code: 'lorawan:invalid_dev_nonce' });
  assert.throws(() => DevNonce.fromWire(new Uint8Array(3)), { code: 'lorawan:invalid_dev_nonce' });
});
