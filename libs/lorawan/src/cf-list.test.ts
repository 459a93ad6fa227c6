import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCFList, encodeCFList } from './cf-list.js';

test('CFList type 0: five 24-bit little-endian frequencies in 100 Hz units', () => {
  // EU868 default extra channels 867.1 … 867.9 MHz.
  const bytes = Buffer.from('184f84e85684b85e84886684586e8400', 'hex');
  const decoded = decodeCFList(bytes);
  assert.deepEqual(decoded, {
    type: 0,
    frequencies: [867100000, 867300000, 867500000, 867700000, 867900000],
  });
  assert.deepEqual(encodeCFList(decoded), new Uint8Array(bytes));
});

test('CFList type 1: five 16-bit ChMasks, RFU bytes, CFListType 1', () => {
  const bytes = Buffer.from('ff000000000000000200' + '0000000000' + '01', 'hex');
  const decoded = decodeCFList(bytes);
  assert.deepEqual(decoded, { type: 1, chMasks: [0x00ff, 0, 0, 0, 0x0002] });
  assert.deepEqual(encodeCFList(decoded), new Uint8Array(bytes));
  assert.deepEqual(encodeCFList(new Uint8Array(bytes)), new Uint8Array(bytes));
});

test('invalid CFLists are lorawan:invalid_cflist', () => {
  const rfuSet = new Uint8Array(16);
  rfuSet[12] = 1;
  rfuSet[15] = 1;
  assert.throws(() => decodeCFList(rfuSet), { code: 'lorawan:invalid_cflist' });
  const type2 = new Uint8Array(16);
  type2[15] = 2;
  assert.throws(() => decodeCFList(type2), { code: 'lorawan:invalid_cflist' });
  assert.throws(() => decodeCFList(new Uint8Array(15)), { code: 'lorawan:invalid_cflist' });
  assert.throws(() => encodeCFList({ type: 0, frequencies: [1, 2, 3, 4] }), {
    code: 'lorawan:invalid_cflist',
  });
  assert.throws(() => encodeCFList({ type: 0, frequencies: [868100050, 0, 0, 0, 0] }), {
    code: 'lorawan:invalid_cflist',
  });
  assert.throws(() => encodeCFList({ type: 1, chMasks: [0, 0, 0, 0] }), { code: 'lorawan:invalid_cflist' });
  assert.throws(() => encodeCFList({ type: 1, chMasks: [0x10000, 0, 0, 0, 0] }), {
    code: 'lorawan:invalid_cflist',
  });
  assert.throws(() => encodeCFList({ type: 3 } as never), { code: 'lorawan:invalid_cflist' });
});
