import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJoinRequest, decodeRejoinRequest } from './frames.js';
import { bytesFromHex, idHex } from './hex.js';

test('join-request decodes to display-order EUIs and the DevNonce (spec digest §7.1)', () => {
  //                                 MHDR JoinEUI (LE)       DevEUI (LE)       DevNonce MIC
  const frame = decodeJoinRequest(
    bytesFromHex('00' + '01000010ef5e0000' + '010a0010ef5e0000' + '2e1f' + '9dcd9386'),
  );
  assert.equal(idHex(frame.joinEui), '00005EEF10000001');
  assert.equal(idHex(frame.devEui), '00005EEF10000A01');
  assert.equal(frame.devNonce, 0x1f2e);
});

test('rejoin-requests decode per type', () => {
  //                                   MHDR type NetID  DevEUI (LE)       RJcount0 MIC
  const type0 = decodeRejoinRequest(
    bytesFromHex('c0' + '00' + '130000' + '020b0010ef5e0000' + '0500' + '00000000'),
  );
  assert.deepEqual(
    [type0.rejoinType, idHex(type0.devEui), type0.rjCount, type0.joinEui],
    [0, '00005EEF10000B02', 5, undefined],
  );
  //                                   MHDR type JoinEUI (LE)        DevEUI (LE)       RJcount1 MIC
  const type1 = decodeRejoinRequest(
    bytesFromHex('c0' + '01' + '01000010ef5e0000' + '020b0010ef5e0000' + '0201' + '00000000'),
  );
  assert.deepEqual([type1.rejoinType, idHex(type1.joinEui!), type1.rjCount], [1, '00005EEF10000001', 0x0102]);
});

test('wrong length, MType or rejoin type is keys:malformed_frame', () => {
  for (const phy of [
    '00' + '00'.repeat(21),
    '20' + '00'.repeat(22),
    'c003' + '00'.repeat(17),
    'c001' + '00'.repeat(17),
  ]) {
    assert.throws(
      () =>
        phy.startsWith('c0') ? decodeRejoinRequest(bytesFromHex(phy)) : decodeJoinRequest(bytesFromHex(phy)),
      { code: 'keys:malformed_frame' },
    );
  }
});
