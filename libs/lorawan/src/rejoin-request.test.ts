import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { cmacMic } from './aes-cmac.js';
import { EUI64 } from './eui64.js';
import { NetID } from './net-id.js';
import {
  type RejoinRequest,
  decodeRejoinRequest,
  encodeRejoinRequest,
  rejoinMicInput,
} from './rejoin-request.js';
import { type Vector, hex, hexField, intField, loadVectors, strField } from './test-vectors.js';

const vectors = await loadVectors('rejoin-mic');

function requestOf(v: Vector): RejoinRequest {
  const devEui = EUI64.parse(strField(v, 'devEuiBE'));
  const type = intField(v, 'rejoinType');
  if (type === 1)
    return {
      rejoinType: 1,
      joinEui: EUI64.parse(strField(v, 'joinEuiBE')),
      devEui,
      rjCount1: intField(v, 'rjCountInt'),
    };
  assert.ok(type === 0 || type === 2);
  return {
    rejoinType: type,
    netId: NetID.parse(strField(v, 'netIdBE')),
    devEui,
    rjCount0: intField(v, 'rjCountInt'),
  };
}

test('rejoin-mic.json: types 0/1/2 encode to the MIC input, MIC and PHYPayload, and decode back', () => {
  assert.equal(vectors.length, 15);
  const types = new Set<number>();
  for (const v of vectors) {
    assert.equal(v.verified, true, v.id);
    assert.equal(strField(v, 'mhdr'), 'c0', v.id);
    const request = requestOf(v);
    types.add(request.rejoinType);
    assert.equal(strField(v, 'keyName'), request.rejoinType === 1 ? 'JSIntKey' : 'SNwkSIntKey', v.id);
    const key = AES128Key.parse(strField(v, 'key'));
    const micInput = rejoinMicInput(request);
    assert.equal(hex(micInput), strField(v, 'micInput'), v.id);
    const mic = cmacMic(key, micInput);
    assert.equal(hex(mic), strField(v, 'mic'), v.id);
    assert.equal(hex(encodeRejoinRequest(request, mic)), strField(v, 'phyPayload'), v.id);

    const decoded = decodeRejoinRequest(hexField(v, 'phyPayload'));
    assert.equal(decoded.rejoinType, request.rejoinType, v.id);
    assert.equal(hex(decoded.devEui.toWire()), strField(v, 'devEui'), v.id);
    assert.equal(hex(decoded.mic), strField(v, 'mic'), v.id);
    if (decoded.rejoinType === 1) {
      assert.equal(hex(decoded.joinEui.toWire()), strField(v, 'joinEui'), v.id);
      assert.equal(decoded.rjCount1, intField(v, 'rjCountInt'), v.id);
    } else {
      assert.equal(hex(decoded.netId.toWire()), strField(v, 'netId'), v.id);
      assert.equal(decoded.rjCount0, intField(v, 'rjCountInt'), v.id);
    }
  }
  assert.deepEqual([...types].sort(), [0, 1, 2]);
});

test('decode rejects unknown rejoin types and lengths that do not match the type', () => {
  const type0 = hexField(vectors[0] ?? { id: 'x', verified: true }, 'phyPayload');
  const withType = (t: number) => Uint8Array.of(0xc0, t, ...type0.subarray(2));
  assert.throws(() => decodeRejoinRequest(withType(3)), { code: 'lorawan:invalid_rejoin_type' });
  assert.throws(() => decodeRejoinRequest(withType(1)), { code: 'lorawan:invalid_length' });
  assert.throws(() => decodeRejoinRequest(Uint8Array.of(0xc0)), { code: 'lorawan:invalid_length' });
  assert.throws(() => decodeRejoinRequest(Uint8Array.of(0x00, ...type0.subarray(1))), {
    code: 'lorawan:invalid_mtype',
  });
  const devEui = EUI64.parse('0102030405060708');
  assert.throws(() => rejoinMicInput({ rejoinType: 0, netId: NetID.of(1), devEui, rjCount0: 0x10000 }), {
    code: 'lorawan:invalid_counter',
  });
  assert.throws(() => rejoinMicInput({ rejoinType: 3 as 0, netId: NetID.of(1), devEui, rjCount0: 1 }), {
    code: 'lorawan:invalid_rejoin_type',
  });
});
