import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { joinFrameCounter } from './join-frame-counter.js';
import { parseHex } from './hex.js';

describe('joinFrameCounter', () => {
  test('the DevNonce of a JoinRequest (little-endian on the air)', () => {
    // MHDR, JoinEUI, DevEUI (LE), DevNonce 0x0102 as 02 01, MIC.
    const phy = parseHex('00' + '11'.repeat(8) + '22'.repeat(8) + '0201' + 'AABBCCDD');
    assert.equal(joinFrameCounter(phy), 0x0102);
  });

  test('RJcount0 of a rejoin type 0 and RJcount1 of a type 1', () => {
    const type0 = parseHex('C000' + '010203' + '22'.repeat(8) + '0700' + 'AABBCCDD');
    assert.equal(joinFrameCounter(type0), 7);
    const type1 = parseHex('C001' + '11'.repeat(8) + '22'.repeat(8) + '0900' + 'AABBCCDD');
    assert.equal(joinFrameCounter(type1), 9);
  });

  test('undefined for a malformed or foreign frame', () => {
    assert.equal(joinFrameCounter(new Uint8Array()), undefined);
    assert.equal(joinFrameCounter(parseHex('00' + '11'.repeat(8))), undefined);
    assert.equal(joinFrameCounter(parseHex('40' + '11'.repeat(22))), undefined);
    assert.equal(joinFrameCounter(parseHex('C003' + '11'.repeat(17))), undefined);
  });
});
