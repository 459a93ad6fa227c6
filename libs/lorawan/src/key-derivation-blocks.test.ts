import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { aesEcbEncrypt } from './aes.js';
import { DevNonce } from './dev-nonce.js';
import { EUI64 } from './eui64.js';
import { JoinNonce } from './join-nonce.js';
import { KeyPrefix, jsKeyBlock, sessionKeyBlock10, sessionKeyBlock11 } from './key-derivation-blocks.js';
import { NetID } from './net-id.js';
import { type Vector, hex, hexField, intField, loadVectors, strField } from './test-vectors.js';

const sk10 = await loadVectors('session-keys-1.0');
const sk11 = await loadVectors('session-keys-1.1');

/** What an HSM does with a block: one AES-ECB encryption under the root key. */
const derive = (key: AES128Key, block: Uint8Array) => hex(aesEcbEncrypt(key, block));

function nonces(v: Vector) {
  const joinNonce = JoinNonce.fromWire(hexField(v, 'joinNonce'));
  const devNonce = DevNonce.fromWire(hexField(v, 'devNonce'));
  assert.equal(joinNonce.value, intField(v, 'joinNonceInt'), v.id);
  assert.equal(devNonce.value, intField(v, 'devNonceInt'), v.id);
  return { joinNonce, devNonce };
}

test('session-keys-1.0.json: blocks byte for byte, and the keys from AES-ECB-encrypting them', () => {
  assert.equal(sk10.length, 13);
  for (const v of sk10) {
    assert.equal(v.verified, true, v.id);
    const key = AES128Key.parse(strField(v, 'key'));
    const { joinNonce, devNonce } = nonces(v);
    const netId = NetID.parse(strField(v, 'netIdBE'));
    assert.equal(hex(netId.toWire()), strField(v, 'netId'), v.id);
    const nwkBlock = sessionKeyBlock10(KeyPrefix.nwkSKey, joinNonce, netId, devNonce);
    const appBlock = sessionKeyBlock10(KeyPrefix.appSKey, joinNonce, netId, devNonce);
    assert.equal(hex(nwkBlock), strField(v, 'nwkSKeyBlock'), v.id);
    assert.equal(hex(appBlock), strField(v, 'appSKeyBlock'), v.id);
    assert.equal(derive(key, nwkBlock), strField(v, 'nwkSKey'), v.id);
    assert.equal(derive(key, appBlock), strField(v, 'appSKey'), v.id);
  }
});

function derive11(v: Vector) {
  const nwkKey = AES128Key.parse(strField(v, 'nwkKey'));
  const appKey = AES128Key.parse(strField(v, 'appKey'));
  const { joinNonce, devNonce } = nonces(v);
  const joinEui = EUI64.parse(strField(v, 'joinEuiBE'));
  assert.equal(hex(joinEui.toWire()), strField(v, 'joinEui'), v.id);
  return {
    fNwkSIntKey: derive(nwkKey, sessionKeyBlock11(KeyPrefix.fNwkSIntKey, joinNonce, joinEui, devNonce)),
    appSKey: derive(appKey, sessionKeyBlock11(KeyPrefix.appSKey, joinNonce, joinEui, devNonce)),
    sNwkSIntKey: derive(nwkKey, sessionKeyBlock11(KeyPrefix.sNwkSIntKey, joinNonce, joinEui, devNonce)),
    nwkSEncKey: derive(nwkKey, sessionKeyBlock11(KeyPrefix.nwkSEncKey, joinNonce, joinEui, devNonce)),
  };
}

test('session-keys-1.1.json: every verified entry (join, rejoin with RJcount, JS keys)', () => {
  const verified = sk11.filter((v) => v.verified);
  assert.equal(verified.length, 18);
  for (const v of verified) {
    if (v['kind'] !== 'js-keys') {
      const keys = derive11(v);
      for (const name of ['fNwkSIntKey', 'appSKey', 'sNwkSIntKey', 'nwkSEncKey'] as const)
        assert.equal(keys[name], strField(v, name), `${v.id} ${name}`);
    }
    if (v['jsIntKey'] !== undefined) {
      const nwkKey = AES128Key.parse(strField(v, 'nwkKey'));
      const devEui = EUI64.parse(strField(v, 'devEuiBE'));
      assert.equal(hex(devEui.toWire()), strField(v, 'devEui'), v.id);
      assert.equal(derive(nwkKey, jsKeyBlock(KeyPrefix.jsIntKey, devEui)), strField(v, 'jsIntKey'), v.id);
      assert.equal(derive(nwkKey, jsKeyBlock(KeyPrefix.jsEncKey, devEui)), strField(v, 'jsEncKey'), v.id);
    }
  }
});

test('the unverified brocaar rejoin keys (1.0 layout) are rejected: spec-correct derivation differs', () => {
  const unverified = sk11.filter((v) => !v.verified);
  assert.deepEqual(
    unverified.map((v) => v.id),
    ['sk11-brocaar-rejoin-literal'],
  );
  for (const v of unverified) {
    const keys = derive11(v);
    for (const name of ['fNwkSIntKey', 'appSKey', 'sNwkSIntKey', 'nwkSEncKey'] as const)
      assert.notEqual(keys[name], strField(v, name), `${v.id} ${name}`);
    // And its spec-conformant twin is reproduced exactly.
    const twin = sk11.find((t) => t.id === 'sk11-brocaar-rejoin-spec');
    assert.ok(twin);
    assert.equal(derive11(twin).fNwkSIntKey, strField(twin, 'fNwkSIntKey'));
  }
});

test('blocks reject prefixes of the wrong family', () => {
  const jn = JoinNonce.of(1);
  const dn = DevNonce.of(1);
  const eui = EUI64.parse('0102030405060708');
  assert.throws(() => sessionKeyBlock10(0x03 as 0x01, jn, NetID.of(1), dn), {
    code: 'lorawan:invalid_block',
  });
  assert.throws(() => sessionKeyBlock11(0x05 as 0x01, jn, eui, dn), { code: 'lorawan:invalid_block' });
  assert.throws(() => jsKeyBlock(0x01 as 0x05, eui), { code: 'lorawan:invalid_block' });
});
