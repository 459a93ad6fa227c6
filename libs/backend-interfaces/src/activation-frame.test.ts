import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoineryError } from '@joinery/errors';
import { checkJoinRequestFrame, checkRejoinRequestFrame } from './activation-frame.js';
import { bytesToHex as hex, hexToBytes } from './hex.js';

// Spec digest §7.1: MHDR 00 | JoinEUI 00005eef10000001 (LE) | DevEUI 00005eef10000a01 (LE) | DevNonce 1f2e | MIC.
const joinRequest = hexToBytes('0001000010EF5E0000010A0010EF5E00002E1F9DCD9386');
const devEui = '00005EEF10000A01';
const joinEui = '00005EEF10000001';

// C0 | type 0 | NetID 000013 | DevEUI 00005eef10000a01 (LE) | RJcount0 | MIC
const rejoinType0 = hexToBytes('C000130000010A0010EF5E00000100AABBCCDD');
// C0 | type 1 | JoinEUI (LE) | DevEUI (LE) | RJcount1 | MIC
const rejoinType1 = hexToBytes('C00101000010EF5E0000010A0010EF5E00000100AABBCCDD');

/** `frame` with byte `at` replaced by `value`. */
function withByte(frame: Uint8Array, at: number, value: number): Uint8Array {
  const out = frame.slice();
  out[at] = value;
  return out;
}

test('a join-request whose EUIs match the JSON passes', () => {
  assert.doesNotThrow(() => checkJoinRequestFrame(joinRequest, devEui, joinEui));
});

test('rejoin-requests: type 0/2 are 19 bytes, type 1 is 24 bytes', () => {
  assert.equal(checkRejoinRequestFrame(rejoinType0, devEui, joinEui), 0);
  assert.equal(checkRejoinRequestFrame(rejoinType1, devEui, joinEui), 1);
});

/** How `check` refuses: `<code> <field> <reason>`, the error's code and its details; `accepted` when it does not. */
function refusalOf(check: () => unknown): string {
  try {
    check();
  } catch (err) {
    if (!(err instanceof JoineryError)) throw err;
    return `${err.code} ${String(err.details['field'])} ${String(err.details['reason'])}`;
  }
  return 'accepted';
}

test('join-request refusals: a wrong MType is malformed, a wrong length a frame size error, EUIs must match', () => {
  const refusals: [frame: Uint8Array, devEui: string, joinEui: string, refusal: string][] = [
    [withByte(joinRequest, 0, 0x40), devEui, joinEui, 'bi:malformed_message PHYPayload wrong_message_type'],
    [joinRequest.slice(0, 22), devEui, joinEui, 'bi:frame_size PHYPayload wrong_length'],
    [new Uint8Array(0), devEui, joinEui, 'bi:frame_size PHYPayload wrong_length'],
    [joinRequest, '00005EEF10000A02', joinEui, 'bi:malformed_message DevEUI mismatch'],
    [joinRequest, devEui, '00005EEF10000002', 'bi:malformed_message ReceiverID mismatch'],
  ];
  for (const [frame, dev, join, refusal] of refusals)
    assert.equal(
      refusalOf(() => checkJoinRequestFrame(frame, dev, join)),
      refusal,
      hex(frame),
    );
});

test('rejoin-request refusals: a wrong length, rejoin type 3 and a join-request', () => {
  const refusals: [frame: Uint8Array, refusal: string][] = [
    [rejoinType1.slice(0, 19), 'bi:frame_size PHYPayload wrong_length'],
    [withByte(rejoinType0, 1, 3), 'bi:malformed_message PHYPayload unsupported'],
    [joinRequest, 'bi:malformed_message PHYPayload wrong_message_type'],
  ];
  for (const [frame, refusal] of refusals)
    assert.equal(
      refusalOf(() => checkRejoinRequestFrame(frame, devEui, joinEui)),
      refusal,
      hex(frame),
    );
});
