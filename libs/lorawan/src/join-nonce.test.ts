import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoinNonce } from './join-nonce.js';
import { hex } from './test-vectors.js';

test('JoinNonce 65536: BE hex 010000, wire 000001', () => {
  const nonce = JoinNonce.parse('010000');
  assert.equal(nonce.value, 65536);
  assert.equal(nonce.toString(), '010000');
  assert.equal(nonce.toJSON(), 65536);
  assert.equal(hex(nonce.toWire()), '000001');
  assert.ok(JoinNonce.fromWire(Uint8Array.of(0, 0, 1)).equals(nonce));
  assert.ok(JoinNonce.of(0xfffffe).equals(JoinNonce.parse('FFFFFE')));
  assert.ok(!JoinNonce.of(1).equals(nonce));
});

test('invalid JoinNonces are lorawan:invalid_join_nonce', () => {
  for (const bad of ['', '0100', '01000000'])
    assert.throws(() => JoinNonce.parse(bad), { code: 'lorawan:invalid_join_nonce' });
  for (const bad of [-1, 0x1000000, Number.NaN])
    assert.throws(() => JoinNonce.of(bad), { code: 'lorawan:invalid_join_nonce' });
  assert.throws(() => JoinNonce.fromWire(new Uint8Array(2)), { code: 'lorawan:invalid_join_nonce' });
});
