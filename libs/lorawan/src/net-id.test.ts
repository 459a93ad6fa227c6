import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetID } from './net-id.js';
import { hex } from './test-vectors.js';

test('NetID: big-endian parse, little-endian wire, integer value', () => {
  const netId = NetID.parse('0x00001a');
  assert.equal(netId.toString(), '00001A');
  assert.equal(netId.value, 0x1a);
  assert.equal(hex(netId.toWire()), '1a0000');
  assert.ok(NetID.fromWire(netId.toWire()).equals(netId));
  assert.ok(NetID.fromBytes(Uint8Array.of(0, 0, 0x1a)).equals(NetID.of(0x1a)));
  assert.equal(netId.toJSON(), '00001A');
});

test('NetID type, ID and NwkID for types 0–7', () => {
  // [NetID, type, ID, NwkID]: NwkID is the ID's low 6/6/9/11/12/13/15/17 bits.
  const cases: [string, number, number, number][] = [
    ['000013', 0, 0x13, 0x13],
    ['00007f', 0, 0x3f, 0x3f],
    ['20002a', 1, 0x2a, 0x2a],
    ['4001ff', 2, 0x1ff, 0x1ff],
    ['60ffff', 3, 0xffff, 0x7ff],
    ['8fffff', 4, 0xfffff, 0xfff],
    ['a01234', 5, 0x1234, 0x1234 & 0x1fff],
    ['c0abcd', 6, 0xabcd, 0xabcd & 0x7fff],
    ['e00040', 7, 0x40, 0x40],
    ['ffffff', 7, 0x1fffff, 0x1ffff],
  ];
  for (const [text, type, id, nwkId] of cases) {
    const netId = NetID.parse(text);
    assert.equal(netId.type, type, text);
    assert.equal(netId.id, id, text);
    assert.equal(netId.nwkId, nwkId, text);
  }
});

test('invalid NetIDs are lorawan:invalid_net_id', () => {
  for (const bad of ['', '0013', '00000013', 'xyz123'])
    assert.throws(() => NetID.parse(bad), { code: 'lorawan:invalid_net_id' });
  assert.throws(() => NetID.of(0x1000000), { code: 'lorawan:invalid_net_id' });
  assert.throws(() => NetID.of(-1), { code: 'lorawan:invalid_net_id' });
  assert.throws(() => NetID.fromWire(new Uint8Array(4)), { code: 'lorawan:invalid_net_id' });
});
