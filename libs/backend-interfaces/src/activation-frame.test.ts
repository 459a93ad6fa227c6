import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { checkJoinRequestFrame, checkRejoinRequestFrame } from './activation-frame.js';
import { biErrors } from './errors.js';
import { hexToBytes } from './hex.js';

// Spec digest §7.1: MHDR 00 | JoinEUI 00005eef10000001 (LE) | DevEUI 00005eef10000a01 (LE) | DevNonce 1f2e | MIC.
const joinRequest = hexToBytes('0001000010EF5E0000010A0010EF5E00002E1F9DCD9386');
const devEui = '00005EEF10000A01';
const joinEui = '00005EEF10000001';

function expectError(fn: () => unknown, code: string, field: string, reason: string): void {
  assert.throws(
    fn,
    (e) => JoineryError.is(e, code) && e.details['field'] === field && e.details['reason'] === reason,
  );
}

test('a join-request whose EUIs match the JSON passes', () => {
  assert.doesNotThrow(() => checkJoinRequestFrame(joinRequest, devEui, joinEui));
});

test('join-request: wrong MType is malformed, wrong length is a frame size error, EUIs must match', () => {
  const uplink = joinRequest.slice();
  uplink[0] = 0x40;
  expectError(
    () => checkJoinRequestFrame(uplink, devEui, joinEui),
    biErrors.malformed_message.code,
    'PHYPayload',
    'wrong_message_type',
  );
  expectError(
    () => checkJoinRequestFrame(joinRequest.slice(0, 22), devEui, joinEui),
    biErrors.frame_size.code,
    'PHYPayload',
    'wrong_length',
  );
  expectError(
    () => checkJoinRequestFrame(new Uint8Array(0), devEui, joinEui),
    biErrors.frame_size.code,
    'PHYPayload',
    'wrong_length',
  );
  expectError(
    () => checkJoinRequestFrame(joinRequest, '00005EEF10000A02', joinEui),
    biErrors.malformed_message.code,
    'DevEUI',
    'mismatch',
  );
  expectError(
    () => checkJoinRequestFrame(joinRequest, devEui, '00005EEF10000002'),
    biErrors.malformed_message.code,
    'ReceiverID',
    'mismatch',
  );
});

test('rejoin-requests: type 0/2 are 19 bytes, type 1 is 24 bytes', () => {
  // C0 | type 0 | NetID 000013 | DevEUI 00005eef10000a01 (LE) | RJcount0 | MIC
  const type0 = hexToBytes('C000130000010A0010EF5E00000100AABBCCDD');
  assert.equal(checkRejoinRequestFrame(type0, devEui, joinEui), 0);
  // C0 | type 1 | JoinEUI (LE) | DevEUI (LE) | RJcount1 | MIC
  const type1 = hexToBytes('C00101000010EF5E0000010A0010EF5E00000100AABBCCDD');
  assert.equal(checkRejoinRequestFrame(type1, devEui, joinEui), 1);
  expectError(
    () => checkRejoinRequestFrame(type1.slice(0, 19), devEui, joinEui),
    biErrors.frame_size.code,
    'PHYPayload',
    'wrong_length',
  );
  const type3 = type0.slice();
  type3[1] = 3;
  expectError(
    () => checkRejoinRequestFrame(type3, devEui, joinEui),
    biErrors.malformed_message.code,
    'PHYPayload',
    'unsupported',
  );
  expectError(
    () => checkRejoinRequestFrame(joinRequest, devEui, joinEui),
    biErrors.malformed_message.code,
    'PHYPayload',
    'wrong_message_type',
  );
});
