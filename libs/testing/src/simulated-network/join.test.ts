import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AES128Key, decodeJoinRequest, keyWrap, verifyJoinRequestMic } from '@joinery/lorawan';
import { bytesOf, hexOf, simulatedDevice } from './device.js';
import { joinReqMessage, joinRequestPhy, unwrapEnvelope } from './join.js';

const joinEui = '70B3D57ED0001000';

test('the join-request carries the device, the JoinEUI and the DevNonce, under a MIC the NwkKey verifies', () => {
  const d = simulatedDevice('1.0.4');
  const phy = joinRequestPhy(d, joinEui, 0x0102);
  const decoded = decodeJoinRequest(phy);
  assert.equal(decoded.devEui.toString(), d.devEui);
  assert.equal(decoded.joinEui.toString(), joinEui);
  assert.equal(decoded.devNonce.value, 0x0102);
  assert.equal(verifyJoinRequestMic(AES128Key.fromBytes(d.nwkKey), phy), true);
  assert.equal(verifyJoinRequestMic(AES128Key.fromBytes(new Uint8Array(16)), phy), false);
});

test('a JoinReq spells MACVersion and OptNeg as ChirpStack does, BI 1.0 and 1.1', () => {
  const d = simulatedDevice('1.1');
  const base = { joinEui, devNonce: 1, senderId: '000013', transactionId: 7 };
  const bi10 = joinReqMessage(d, base);
  assert.equal(bi10['ProtocolVersion'], '1.0');
  assert.equal(bi10['MACVersion'], '1.1.0');
  assert.equal(bi10['DLSettings'], '80');
  assert.equal('SenderNSID' in bi10, false);
  assert.equal(bi10['PHYPayload'], hexOf(joinRequestPhy(d, joinEui, 1)));
  const bi11 = joinReqMessage(d, { ...base, senderNsId: '00005EEF10000100' });
  assert.equal(bi11['ProtocolVersion'], '1.1');
  assert.equal(bi11['SenderNSID'], '00005EEF10000100');
  assert.equal(bi11['MACVersion'], '1.1');
  const v103 = joinReqMessage(simulatedDevice('1.0.3'), base, { CFList: '' });
  assert.equal(v103['MACVersion'], '1.0.3');
  assert.equal(v103['DLSettings'], '00');
  assert.equal(v103['CFList'], '');
  assert.equal(v103['DevAddr'], '01020304');
});

test('a key envelope is unwrapped under the KEK, or taken as is when it travels in clear', () => {
  const kek = bytesOf('000102030405060708090A0B0C0D0E0F');
  const key = bytesOf('00112233445566778899AABBCCDDEEFF');
  assert.equal(unwrapEnvelope({ KEKLabel: 'ns', AESKey: hexOf(keyWrap(kek, key)) }, kek), hexOf(key));
  assert.equal(unwrapEnvelope({ KEKLabel: '', AESKey: hexOf(key).toLowerCase() }, kek), hexOf(key));
  assert.equal(unwrapEnvelope({ AESKey: hexOf(key) }, kek), hexOf(key));
});
