import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { DevNonce } from './dev-nonce.js';
import { EUI64 } from './eui64.js';
import { JoinNonce } from './join-nonce.js';
import { NetID } from './net-id.js';
import { deriveJsKeys, deriveSessionKeys10, deriveSessionKeys11 } from './session-keys.js';
import { intField, loadVectors, strField } from './test-vectors.js';

const sk10 = await loadVectors('session-keys-1.0');
const sk11 = await loadVectors('session-keys-1.1');

test('deriveSessionKeys10 reproduces session-keys-1.0.json', () => {
  for (const v of sk10) {
    const keys = deriveSessionKeys10(
      AES128Key.parse(strField(v, 'key')),
      JoinNonce.of(intField(v, 'joinNonceInt')),
      NetID.parse(strField(v, 'netIdBE')),
      DevNonce.of(intField(v, 'devNonceInt')),
    );
    assert.equal(keys.nwkSKey.toHex(), strField(v, 'nwkSKey'), v.id);
    assert.equal(keys.appSKey.toHex(), strField(v, 'appSKey'), v.id);
  }
});

test('deriveSessionKeys11 and deriveJsKeys reproduce session-keys-1.1.json; the unverified entry differs', () => {
  let checked = 0;
  for (const v of sk11) {
    if (v['kind'] !== 'js-keys') {
      const keys = deriveSessionKeys11(
        AES128Key.parse(strField(v, 'nwkKey')),
        AES128Key.parse(strField(v, 'appKey')),
        JoinNonce.of(intField(v, 'joinNonceInt')),
        EUI64.parse(strField(v, 'joinEuiBE')),
        DevNonce.of(intField(v, 'devNonceInt')),
      );
      for (const name of ['fNwkSIntKey', 'sNwkSIntKey', 'nwkSEncKey', 'appSKey'] as const) {
        if (v.verified) assert.equal(keys[name].toHex(), strField(v, name), `${v.id} ${name}`);
        else assert.notEqual(keys[name].toHex(), strField(v, name), `${v.id} ${name}`);
      }
      checked += 1;
    }
    if (v['jsIntKey'] !== undefined) {
      const js = deriveJsKeys(AES128Key.parse(strField(v, 'nwkKey')), EUI64.parse(strField(v, 'devEuiBE')));
      assert.equal(js.jsIntKey.toHex(), strField(v, 'jsIntKey'), v.id);
      assert.equal(js.jsEncKey.toHex(), strField(v, 'jsEncKey'), v.id);
    }
  }
  assert.equal(checked, 17);
});
