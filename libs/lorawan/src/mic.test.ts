import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key } from './aes128-key.js';
import { DevNonce } from './dev-nonce.js';
import { EUI64 } from './eui64.js';
import type { JoinReqType } from './join-accept.js';
import {
  joinAcceptMic10,
  joinAcceptMic11,
  joinRequestMic,
  rejoinMic,
  verifyJoinRequestMic,
  verifyRejoinMic,
} from './mic.js';
import { NetID } from './net-id.js';
import { hex, hexField, intField, joinAcceptFieldsOf, loadVectors, strField } from './test-vectors.js';

const jr = await loadVectors('join-request-mic');
const rj = await loadVectors('rejoin-mic');
const ja10 = await loadVectors('join-accept-1.0');
const ja11 = await loadVectors('join-accept-1.1');

function flipEachBit(phy: Uint8Array, check: (bad: Uint8Array) => boolean, id: string): void {
  for (let bit = 0; bit < phy.length * 8; bit++) {
    const bad = Uint8Array.from(phy);
    bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
    let ok: boolean;
    try {
      ok = check(bad);
    } catch {
      ok = false; // a flipped MHDR bit is already rejected by the decoder
    }
    assert.equal(ok, false, `${id} bit ${bit}`);
  }
}

test('join-request MIC: computed from fields, verified on every vector PHYPayload, any bit flip fails', () => {
  for (const v of jr) {
    const key = AES128Key.parse(strField(v, 'key'));
    const request = {
      joinEui: EUI64.parse(strField(v, 'joinEuiBE')),
      devEui: EUI64.parse(strField(v, 'devEuiBE')),
      devNonce: DevNonce.of(intField(v, 'devNonceInt')),
    };
    assert.equal(hex(joinRequestMic(key, request)), strField(v, 'mic'), v.id);
    const phy = hexField(v, 'phyPayload');
    assert.equal(verifyJoinRequestMic(key, phy), true, v.id);
    assert.equal(verifyJoinRequestMic(AES128Key.generate(), phy), false, v.id);
    flipEachBit(phy, (bad) => verifyJoinRequestMic(key, bad), v.id);
  }
});

test('rejoin MIC: computed and verified for types 0/1/2, any bit flip fails', () => {
  for (const v of rj) {
    const key = AES128Key.parse(strField(v, 'key'));
    const phy = hexField(v, 'phyPayload');
    assert.equal(verifyRejoinMic(key, phy), true, v.id);
    flipEachBit(phy, (bad) => verifyRejoinMic(key, bad), v.id);
    const devEui = EUI64.parse(strField(v, 'devEuiBE'));
    const rjCount = intField(v, 'rjCountInt');
    const mic =
      v['rejoinType'] === 1
        ? rejoinMic(key, {
            rejoinType: 1,
            joinEui: EUI64.parse(strField(v, 'joinEuiBE')),
            devEui,
            rjCount1: rjCount,
          })
        : rejoinMic(key, {
            rejoinType: intField(v, 'rejoinType') as 0 | 2,
            netId: NetID.parse(strField(v, 'netIdBE')),
            devEui,
            rjCount0: rjCount,
          });
    assert.equal(hex(mic), strField(v, 'mic'), v.id);
  }
});

test('join-accept MICs: 1.0 layout under the root key, 1.1 layout under JSIntKey', () => {
  for (const v of ja10)
    assert.equal(
      hex(joinAcceptMic10(AES128Key.parse(strField(v, 'key')), joinAcceptFieldsOf(v))),
      strField(v, 'mic'),
      v.id,
    );
  for (const v of ja11) {
    const mic = joinAcceptMic11(
      AES128Key.parse(strField(v, 'micKey')),
      parseInt(strField(v, 'joinReqType'), 16) as JoinReqType,
      EUI64.fromWire(hexField(v, 'joinEui')),
      DevNonce.fromWire(hexField(v, 'devNonce')),
      joinAcceptFieldsOf(v),
    );
    assert.equal(hex(mic), strField(v, 'mic'), v.id);
  }
});
