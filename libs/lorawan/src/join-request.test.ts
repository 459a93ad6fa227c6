import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { cmacMic } from './aes-cmac.js';
import { DevNonce } from './dev-nonce.js';
import { EUI64 } from './eui64.js';
import { decodeJoinRequest, encodeJoinRequest, joinRequestMicInput } from './join-request.js';
import { hex, hexField, intField, loadVectors, strField } from './test-vectors.js';

const vectors = await loadVectors('join-request-mic');

test('join-request-mic.json: encode (fields → MIC input, MIC, PHYPayload) and decode (PHYPayload → fields)', () => {
  assert.equal(vectors.length, 21);
  for (const v of vectors) {
    assert.equal(v.verified, true, v.id);
    assert.equal(strField(v, 'mhdr'), '00', v.id);
    const request = {
      joinEui: EUI64.parse(strField(v, 'joinEuiBE')),
      devEui: EUI64.parse(strField(v, 'devEuiBE')),
      devNonce: DevNonce.of(intField(v, 'devNonceInt')),
    };
    const key = AES128Key.parse(strField(v, 'key'));
    const micInput = joinRequestMicInput(request);
    assert.equal(hex(micInput), strField(v, 'micInput'), v.id);
    const mic = cmacMic(key, micInput);
    assert.equal(hex(mic), strField(v, 'mic'), v.id);
    assert.equal(hex(encodeJoinRequest(request, mic)), strField(v, 'phyPayload'), v.id);

    const decoded = decodeJoinRequest(hexField(v, 'phyPayload'));
    assert.equal(decoded.joinEui.toString(), strField(v, 'joinEuiBE').toUpperCase(), v.id);
    assert.equal(hex(decoded.joinEui.toWire()), strField(v, 'joinEui'), v.id);
    assert.equal(hex(decoded.devEui.toWire()), strField(v, 'devEui'), v.id);
    assert.equal(decoded.devNonce.value, intField(v, 'devNonceInt'), v.id);
    assert.equal(hex(decoded.devNonce.toWire()), strField(v, 'devNonce'), v.id);
    assert.equal(hex(decoded.mic), strField(v, 'mic'), v.id);
  }
});

test('decode rejects wrong MType, RFU bits, Major and length with typed errors', () => {
  const phy = hexField(vectors[0] ?? { id: 'x', verified: true }, 'phyPayload');
  const with0 = (b: number) => Uint8Array.of(b, ...phy.subarray(1));
  assert.throws(() => decodeJoinRequest(with0(0x20)), { code: 'lorawan:invalid_mtype' });
  assert.throws(() => decodeJoinRequest(with0(0x04)), { code: 'lorawan:invalid_mhdr' });
  assert.throws(() => decodeJoinRequest(with0(0x01)), { code: 'lorawan:unsupported_major' });
  assert.throws(() => decodeJoinRequest(phy.subarray(0, 22)), { code: 'lorawan:invalid_length' });
  assert.throws(() => decodeJoinRequest(new Uint8Array(0)), { code: 'lorawan:invalid_length' });
  assert.throws(
    () =>
      encodeJoinRequest(
        {
          joinEui: EUI64.parse('01'.repeat(8)),
          devEui: EUI64.parse('02'.repeat(8)),
          devNonce: DevNonce.of(1),
        },
        new Uint8Array(3),
      ),
    { code: 'lorawan:invalid_mic' },
  );
});
