import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MType, checkMhdr, mhdrFor } from './mhdr.js';

test('MHDR bytes for the join frames', () => {
  assert.equal(mhdrFor(MType.joinRequest), 0x00);
  assert.equal(mhdrFor(MType.joinAccept), 0x20);
  assert.equal(mhdrFor(MType.rejoinRequest), 0xc0);
});

test('checkMhdr: MType, RFU bits and Major are each a typed error', () => {
  checkMhdr(0xc0, MType.rejoinRequest);
  assert.throws(() => checkMhdr(0x40, MType.joinRequest), {
    code: 'lorawan:invalid_mtype',
    kind: 'invalid_argument',
  });
  assert.throws(() => checkMhdr(0x20 | 0x10, MType.joinAccept), { code: 'lorawan:invalid_mhdr' });
  assert.throws(() => checkMhdr(0x20 | 0x02, MType.joinAccept), { code: 'lorawan:unsupported_major' });
  assert.throws(() => checkMhdr(undefined, MType.joinAccept), { code: 'lorawan:invalid_length' });
});
