import { biErrors } from './errors.js';
import { fieldError } from './fields.js';
import { bytesToHex } from './hex.js';

// Just enough of the LoRaWAN frame layout to validate a BI request without depending on libs/lorawan:
// MHDR = MType(7..5) | RFU | Major(1..0); EUIs are little-endian inside the frame and big-endian in BI JSON.
const mtypeJoinRequest = 0x00;
const mtypeRejoinRequest = 0xc0;
const joinRequestLength = 23;
const rejoinLengths: Record<number, number> = { 0: 19, 1: 24, 2: 19 };

function euiAt(frame: Uint8Array, offset: number): string {
  return bytesToHex(frame.slice(offset, offset + 8).reverse());
}

function checkMhdr(frame: Uint8Array, mtype: number): void {
  const mhdr = frame[0];
  if (mhdr === undefined) return fieldError('PHYPayload', 'wrong_length', biErrors.frame_size);
  if ((mhdr & 0xe0) !== mtype || (mhdr & 0x03) !== 0) fieldError('PHYPayload', 'wrong_message_type');
}

/**
 * A join-request: MHDR | JoinEUI | DevEUI | DevNonce | MIC (23 bytes). A wrong MType is malformed, a wrong length is
 * `bi:frame_size`; the DevEUI and JoinEUI inside must equal `DevEUI` and `ReceiverID` (spec digest §8.9).
 */
export function checkJoinRequestFrame(frame: Uint8Array, devEui: string, receiverId: string): void {
  checkMhdr(frame, mtypeJoinRequest);
  if (frame.length !== joinRequestLength) fieldError('PHYPayload', 'wrong_length', biErrors.frame_size);
  if (euiAt(frame, 9) !== devEui) fieldError('DevEUI', 'mismatch');
  if (euiAt(frame, 1) !== receiverId) fieldError('ReceiverID', 'mismatch');
}

/**
 * A rejoin-request: MHDR | type | (type 0/2: NetID | DevEUI | RJcount0) (type 1: JoinEUI | DevEUI | RJcount1) | MIC.
 * Returns the rejoin type.
 */
export function checkRejoinRequestFrame(frame: Uint8Array, devEui: string, receiverId: string): 0 | 1 | 2 {
  checkMhdr(frame, mtypeRejoinRequest);
  const type = frame[1];
  if (type === undefined) return fieldError('PHYPayload', 'wrong_length', biErrors.frame_size);
  const length = rejoinLengths[type];
  if (length === undefined) return fieldError('PHYPayload', 'unsupported');
  if (frame.length !== length) fieldError('PHYPayload', 'wrong_length', biErrors.frame_size);
  if (type === 1) {
    if (euiAt(frame, 10) !== devEui) fieldError('DevEUI', 'mismatch');
    if (euiAt(frame, 2) !== receiverId) fieldError('ReceiverID', 'mismatch');
  } else if (euiAt(frame, 5) !== devEui) fieldError('DevEUI', 'mismatch');
  return type as 0 | 1 | 2;
}
