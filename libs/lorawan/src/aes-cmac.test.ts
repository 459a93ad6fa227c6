import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { aesCmac, aesCmacSubkeys, cmacMic } from './aes-cmac.js';
import { hex, hexField, loadVectors, strField } from './test-vectors.js';

const vectors = await loadVectors('cmac');

test('cmac.json: every vector is verified and reproduced (tag, MIC, RFC subkeys)', () => {
  assert.equal(vectors.length, 10);
  for (const v of vectors) {
    assert.equal(v.verified, true, v.id);
    const key = AES128Key.parse(strField(v, 'key'));
    const message = hexField(v, 'message');
    assert.equal(message.length, v['messageLength'], v.id);
    assert.equal(hex(aesCmac(key, message)), strField(v, 'cmac'), v.id);
    assert.equal(hex(cmacMic(key, message)), strField(v, 'mic4'), v.id);
    if (v['subkeyL'] !== undefined) {
      const { l, k1, k2 } = aesCmacSubkeys(key);
      assert.equal(hex(l), strField(v, 'subkeyL'), v.id);
      assert.equal(hex(k1), strField(v, 'subkeyK1'), v.id);
      assert.equal(hex(k2), strField(v, 'subkeyK2'), v.id);
    }
  }
});

test('a fresh key object gives the same tag as a cached one (cipher and subkey cache are per key)', () => {
  const v = vectors[3];
  assert.ok(v);
  const message = hexField(v, 'message');
  const a = AES128Key.parse(strField(v, 'key'));
  const first = hex(aesCmac(a, message));
  assert.equal(hex(aesCmac(a, message)), first);
  assert.equal(hex(aesCmac(AES128Key.parse(strField(v, 'key')), message)), first);
  assert.equal(first, strField(v, 'cmac'));
});

test('the returned subkeys are copies: mutating them does not change later tags', () => {
  const key = AES128Key.parse('2b7e151628aed2a6abf7158809cf4f3c');
  const { k1, k2 } = aesCmacSubkeys(key);
  k1.fill(0);
  k2.fill(0);
  assert.equal(hex(aesCmac(key, new Uint8Array(0))), 'bb1d6929e95937287fa37d129b756746');
});
