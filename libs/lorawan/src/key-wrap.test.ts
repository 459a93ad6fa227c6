import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { keyUnwrap, keyUnwrapAes128, keyWrap } from './key-wrap.js';
import { rfc3394Unwrap, rfc3394Wrap } from './rfc3394.test-util.js';
import { hex, hexField, intField, loadVectors, strField } from './test-vectors.js';

const vectors = await loadVectors('key-wrap');

test('key-wrap.json: every vector wraps and unwraps (128/192/256-bit KEKs)', () => {
  assert.equal(vectors.length, 13);
  const kekSizes = new Set<number>();
  for (const v of vectors) {
    assert.equal(v.verified, true, v.id);
    assert.equal(strField(v, 'iv'), 'a6a6a6a6a6a6a6a6', v.id);
    const kek = hexField(v, 'kek');
    assert.equal(kek.length * 8, intField(v, 'kekBits'), v.id);
    kekSizes.add(kek.length);
    const keyData = hexField(v, 'keyData');
    const wrapped = hexField(v, 'wrapped');
    assert.equal(hex(keyWrap(kek, keyData)), hex(wrapped), v.id);
    assert.equal(hex(keyUnwrap(kek, wrapped)), hex(keyData), v.id);
    // The RFC-text reference used as the property-test oracle reproduces the vectors too.
    assert.equal(hex(rfc3394Wrap(kek, keyData)), hex(wrapped), v.id);
    assert.equal(hex(rfc3394Unwrap(kek, wrapped) ?? new Uint8Array(0)), hex(keyData), v.id);
    if (kek.length === 16) {
      // The same KEK as an AES128Key object (cached cipher) gives the same bytes.
      assert.equal(hex(keyWrap(AES128Key.fromBytes(kek), keyData)), hex(wrapped), v.id);
    }
    if (keyData.length === 16) {
      assert.equal(hex(keyWrap(kek, AES128Key.fromBytes(keyData))), hex(wrapped), v.id);
      assert.equal(keyUnwrapAes128(kek, wrapped).toHex(), hex(keyData), v.id);
    }
  }
  assert.deepEqual([...kekSizes].sort(), [16, 24, 32]);
});

test('unwrap with a wrong KEK or a flipped byte fails with lorawan:key_unwrap_failed', () => {
  const v = vectors[0];
  assert.ok(v);
  const kek = hexField(v, 'kek');
  const wrapped = hexField(v, 'wrapped');
  const otherKek = Uint8Array.from(kek);
  otherKek[0] = (otherKek[0] as number) ^ 1;
  assert.throws(() => keyUnwrap(otherKek, wrapped), { code: 'lorawan:key_unwrap_failed' });
  for (let i = 0; i < wrapped.length; i++) {
    const bad = Uint8Array.from(wrapped);
    bad[i] = (bad[i] as number) ^ 0x80;
    assert.throws(() => keyUnwrap(kek, bad), { code: 'lorawan:key_unwrap_failed' }, `byte ${i}`);
  }
  assert.throws(() => keyUnwrap(kek, wrapped.subarray(0, 16)), { code: 'lorawan:key_unwrap_failed' });
  assert.throws(() => keyUnwrap(kek, wrapped.subarray(0, 23)), { code: 'lorawan:key_unwrap_failed' });
  assert.throws(() => keyUnwrapAes128(kek, new Uint8Array(32)), { code: 'lorawan:key_unwrap_failed' });
});

test('bad KEK and key-data sizes are typed errors', () => {
  assert.throws(() => keyWrap(new Uint8Array(15), new Uint8Array(16)), { code: 'lorawan:invalid_kek' });
  assert.throws(() => keyUnwrap(new Uint8Array(20), new Uint8Array(24)), { code: 'lorawan:invalid_kek' });
  assert.throws(() => keyWrap(new Uint8Array(16), new Uint8Array(8)), { code: 'lorawan:invalid_key_data' });
  assert.throws(() => keyWrap(new Uint8Array(16), new Uint8Array(20)), { code: 'lorawan:invalid_key_data' });
});
