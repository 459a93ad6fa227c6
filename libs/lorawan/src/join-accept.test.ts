import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { cmacMic } from './aes-cmac.js';
import { aesEcbDecrypt, aesEcbEncrypt } from './aes.js';
import { DevAddr } from './dev-addr.js';
import { DevNonce } from './dev-nonce.js';
import { EUI64 } from './eui64.js';
import {
  type JoinAcceptFields,
  type JoinReqType,
  decodeJoinAcceptPhy,
  decodeJoinAcceptPlaintext,
  encodeJoinAcceptPhy,
  joinAcceptMicInput10,
  joinAcceptMicInput11,
  joinAcceptPlaintext,
} from './join-accept.js';
import { JoinNonce } from './join-nonce.js';
import { NetID } from './net-id.js';
import type { Vector } from './test-vectors.js';
import { hex, hexField, intField, joinAcceptFieldsOf, loadVectors, strField } from './test-vectors.js';

const ja10 = await loadVectors('join-accept-1.0');
const ja11 = await loadVectors('join-accept-1.1');

/** Decoding direction: the plaintext gives back every field of the vector. */
function assertDecodes(v: Vector, plaintext: Uint8Array): void {
  const decoded = decodeJoinAcceptPlaintext(plaintext);
  assert.equal(hex(decoded.joinNonce.toWire()), strField(v, 'joinNonce'), v.id);
  assert.equal(decoded.joinNonce.value, intField(v, 'joinNonceInt'), v.id);
  assert.equal(decoded.netId.toString(), strField(v, 'netIdBE').toUpperCase(), v.id);
  assert.equal(hex(decoded.devAddr.toWire()), strField(v, 'devAddr'), v.id);
  assert.equal(decoded.devAddr.toString(), strField(v, 'devAddrBE').toUpperCase(), v.id);
  const dl = parseInt(strField(v, 'dlSettings'), 16);
  assert.deepEqual(
    decoded.dlSettings,
    { optNeg: (dl & 0x80) !== 0, rx1DrOffset: (dl >> 4) & 7, rx2DataRate: dl & 15 },
    v.id,
  );
  assert.equal(decoded.rxDelay, parseInt(strField(v, 'rxDelay'), 16), v.id);
  assert.equal(hex(decoded.mic), strField(v, 'mic'), v.id);
  if (strField(v, 'cfList') === '') assert.equal(decoded.cfList, undefined, v.id);
  else {
    assert.ok(decoded.cfList, v.id);
    // Re-encoding the typed CFList reproduces the wire bytes.
    assert.equal(
      hex(joinAcceptPlaintext({ ...decoded, cfList: decoded.cfList }, decoded.mic)),
      hex(plaintext),
      v.id,
    );
  }
}

test('join-accept-1.0.json: MIC input, MIC, plaintext, ECB-decrypt "encryption", PHYPayload, and decode back', () => {
  assert.equal(ja10.length, 16);
  for (const v of ja10) {
    assert.equal(v.verified, true, v.id);
    assert.equal(strField(v, 'mhdr'), '20', v.id);
    const key = AES128Key.parse(strField(v, 'key'));
    const fields = joinAcceptFieldsOf(v);
    const micInput = joinAcceptMicInput10(fields);
    assert.equal(hex(micInput), strField(v, 'micInput'), v.id);
    const mic = cmacMic(key, micInput);
    assert.equal(hex(mic), strField(v, 'mic'), v.id);
    const plaintext = joinAcceptPlaintext(fields, mic);
    assert.equal(hex(plaintext), strField(v, 'plaintext'), v.id);
    const encrypted = aesEcbDecrypt(key, plaintext);
    assert.equal(hex(encrypted), strField(v, 'encryptedPayload'), v.id);
    assert.equal(hex(encodeJoinAcceptPhy(encrypted)), strField(v, 'phyPayload'), v.id);

    // Device side: strip the MHDR, AES-encrypt, parse.
    const fromPhy = decodeJoinAcceptPhy(hexField(v, 'phyPayload'));
    const decrypted = aesEcbEncrypt(key, fromPhy);
    assert.equal(hex(decrypted), strField(v, 'plaintext'), v.id);
    assertDecodes(v, decrypted);
  }
});

test('join-accept-1.1.json: JoinReqType/JoinEUI/DevNonce-or-RJcount MIC under JSIntKey, NwkKey or JSEncKey encryption', () => {
  assert.equal(ja11.length, 20);
  const seenTypes = new Set<number>();
  for (const v of ja11) {
    assert.equal(v.verified, true, v.id);
    const joinReqType = parseInt(strField(v, 'joinReqType'), 16) as JoinReqType;
    seenTypes.add(joinReqType);
    const fields = joinAcceptFieldsOf(v);
    const joinEui = EUI64.parse(strField(v, 'joinEuiBE'));
    const devNonce = DevNonce.of(intField(v, 'devNonceInt'));
    assert.equal(hex(devNonce.toWire()), strField(v, 'devNonce'), v.id);
    const micInput = joinAcceptMicInput11(joinReqType, joinEui, devNonce, fields);
    assert.equal(hex(micInput), strField(v, 'micInput'), v.id);
    const mic = cmacMic(AES128Key.parse(strField(v, 'micKey')), micInput);
    assert.equal(hex(mic), strField(v, 'mic'), v.id);
    const plaintext = joinAcceptPlaintext(fields, mic);
    assert.equal(hex(plaintext), strField(v, 'plaintext'), v.id);
    assertDecodes(v, plaintext);
    if (v['encKey'] === null) continue;
    assert.equal(strField(v, 'encKeyName'), joinReqType === 0xff ? 'NwkKey' : 'JSEncKey', v.id);
    const encKey = AES128Key.parse(strField(v, 'encKey'));
    const encrypted = aesEcbDecrypt(encKey, plaintext);
    assert.equal(hex(encrypted), strField(v, 'encryptedPayload'), v.id);
    assert.equal(hex(encodeJoinAcceptPhy(encrypted)), strField(v, 'phyPayload'), v.id);
    assert.equal(
      hex(aesEcbEncrypt(encKey, decodeJoinAcceptPhy(hexField(v, 'phyPayload')))),
      strField(v, 'plaintext'),
      v.id,
    );
  }
  assert.deepEqual(
    [...seenTypes].sort((a, b) => a - b),
    [0, 1, 2, 0xff],
  );
});

test('join-accept codec errors are typed', () => {
  const fields: JoinAcceptFields = {
    joinNonce: JoinNonce.of(1),
    netId: NetID.of(1),
    devAddr: DevAddr.of(1),
    dlSettings: 0,
    rxDelay: 1,
  };
  assert.throws(
    () => joinAcceptMicInput11(0x03 as JoinReqType, EUI64.parse('01'.repeat(8)), DevNonce.of(1), fields),
    {
      code: 'lorawan:invalid_join_req_type',
    },
  );
  assert.throws(() => joinAcceptMicInput10({ ...fields, rxDelay: 256 }), {
    code: 'lorawan:invalid_rx_delay',
  });
  assert.throws(() => joinAcceptMicInput10({ ...fields, dlSettings: 300 }), {
    code: 'lorawan:invalid_dl_settings',
  });
  assert.throws(() => joinAcceptPlaintext(fields, new Uint8Array(5)), { code: 'lorawan:invalid_mic' });
  assert.throws(() => decodeJoinAcceptPlaintext(new Uint8Array(17)), { code: 'lorawan:invalid_length' });
  assert.throws(() => encodeJoinAcceptPhy(new Uint8Array(17)), { code: 'lorawan:invalid_length' });
  assert.throws(() => decodeJoinAcceptPhy(new Uint8Array(17)), { code: 'lorawan:invalid_mtype' });
  assert.throws(() => decodeJoinAcceptPhy(Uint8Array.of(0x20, 1, 2)), { code: 'lorawan:invalid_length' });
});
