import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTr005, parseTr005 } from './tr005.js';

test('a TR005 payload parses into its fields, optional elements by their letter', () => {
  assert.deepEqual(
    parseTr005('LW:D0:70b3d57ed0000000:0004A30B001C0530:000a0001:O123456:SYYWW001:PFOO:CAF2C'),
    {
      joinEui: '70B3D57ED0000000',
      devEui: '0004A30B001C0530',
      profileId: '000A0001',
      ownerToken: '123456',
      serialNumber: 'YYWW001',
      proprietary: 'FOO',
      checksum: 'AF2C',
    },
  );
  const minimal = parseTr005('LW:D0:70B3D57ED0000000:0004A30B001C0530:00000000');
  assert.equal(minimal.ownerToken, null);
  assert.equal(minimal.checksum, null);
});

test('what Joinery prints parses back to the same fields', () => {
  const fields = {
    joinEui: '70B3D57ED0000000',
    devEui: '0004A30B001C0530',
    profileId: '00000000',
    ownerToken: 'CLAIM-123',
  };
  assert.equal(formatTr005(fields), 'LW:D0:70B3D57ED0000000:0004A30B001C0530:00000000:OCLAIM-123');
  assert.deepEqual(parseTr005(formatTr005(fields)), {
    ...fields,
    serialNumber: null,
    proprietary: null,
    checksum: null,
  });
});

test('anything else is lorawan:invalid_qr_code naming the field', () => {
  for (const [payload, field] of [
    ['LW:D1:70B3D57ED0000000:0004A30B001C0530:00000000', 'schema'],
    ['XX:D0:70B3D57ED0000000:0004A30B001C0530:00000000', 'schema'],
    ['LW:D0:70B3D57ED000000:0004A30B001C0530:00000000', 'joinEui'],
    ['LW:D0:70B3D57ED0000000:0004A30B001C05ZZ:00000000', 'devEui'],
    ['LW:D0:70B3D57ED0000000:0004A30B001C0530', 'profileId'],
    ['LW:D0:70B3D57ED0000000:0004A30B001C0530:00000000:X1', 'element'],
    ['LW:D0:70B3D57ED0000000:0004A30B001C0530:00000000:O1:O2', 'O'],
    ['LW:D0:70B3D57ED0000000:0004A30B001C0530:00000000:CXYZ1', 'checksum'],
    [`LW:D0:70B3D57ED0000000:0004A30B001C0530:00000000:O${'x'.repeat(600)}`, 'payload'],
  ] as const)
    assert.throws(
      () => parseTr005(payload),
      (err: { code?: string; details?: { field?: string } }) =>
        err.code === 'lorawan:invalid_qr_code' && err.details?.field === field,
      payload.slice(0, 60),
    );
});
