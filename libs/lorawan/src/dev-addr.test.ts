import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevAddr } from './dev-addr.js';
import { NetID } from './net-id.js';
import { hex } from './test-vectors.js';

test('DevAddr: big-endian parse, little-endian wire, integer value', () => {
  const addr = DevAddr.parse('26011F2A');
  assert.equal(addr.toString(), '26011F2A');
  assert.equal(hex(addr.toWire()), '2a1f0126');
  assert.equal(addr.value, 0x26011f2a);
  assert.ok(DevAddr.fromWire(addr.toWire()).equals(addr));
  assert.ok(DevAddr.of(0x26011f2a).equals(addr));
  assert.ok(DevAddr.fromBytes(addr.bytes()).equals(addr));
});

test('NetID type, NwkID and NwkAddr from the prefix, for all 8 types', () => {
  // TTN (NetID 000013, type 0): DevAddr 26xxxxxx has NwkID 0x13.
  const ttn = DevAddr.parse('26011F2A');
  assert.equal(ttn.netIdType, 0);
  assert.equal(ttn.nwkId, 0x13);
  assert.equal(ttn.nwkAddr, 0x011f2a);
  assert.ok(ttn.belongsTo(NetID.parse('000013')));
  assert.ok(!ttn.belongsTo(NetID.parse('000012')));
  const nwkAddrBits = [25, 24, 20, 17, 15, 13, 10, 7];
  const netIds = ['00002d', '20002d', '40016d', '6005ad', '800ead', 'a01ead', 'c05ead', 'e1aead'];
  netIds.forEach((text, type) => {
    const netId = NetID.parse(text);
    assert.equal(netId.type, type);
    const maxAddr = 2 ** (nwkAddrBits[type] as number) - 1;
    for (const nwkAddr of [0, 1, maxAddr]) {
      const addr = DevAddr.forNetId(netId, nwkAddr);
      assert.equal(addr.netIdType, type, `${text} ${nwkAddr}`);
      assert.equal(addr.nwkId, netId.nwkId, `${text} ${nwkAddr}`);
      assert.equal(addr.nwkAddr, nwkAddr, `${text} ${nwkAddr}`);
      assert.ok(addr.belongsTo(netId));
    }
    assert.throws(() => DevAddr.forNetId(netId, maxAddr + 1), { code: 'lorawan:invalid_dev_addr' });
  });
  // Known prefix values (type N = N leading ones): type 1 → 0b10…, type 7 → 0xFE.
  // Type 1, NwkID 0x2D: bits 10 | 101101 | 24-bit NwkAddr.
  assert.equal(DevAddr.forNetId(NetID.parse('20002d'), 0x000102).toString(), 'AD000102');
  assert.equal(DevAddr.forNetId(NetID.parse('e1aead'), 5).toString().slice(0, 2), 'FE');
  const none = DevAddr.parse('FFFFFFFF');
  assert.equal(none.netIdType, undefined);
  assert.equal(none.nwkId, undefined);
  assert.equal(none.nwkAddr, undefined);
  assert.ok(!none.belongsTo(NetID.parse('ffffff')));
});

test('invalid DevAddrs are lorawan:invalid_dev_addr', () => {
  for (const bad of ['', '011F2A', '26011F2A00', 'g6011F2A'])
    assert.throws(() => DevAddr.parse(bad), { code: 'lorawan:invalid_dev_addr' });
  assert.throws(() => DevAddr.of(2 ** 32), { code: 'lorawan:invalid_dev_addr' });
  assert.throws(() => DevAddr.fromWire(new Uint8Array(3)), { code: 'lorawan:invalid_dev_addr' });
});
