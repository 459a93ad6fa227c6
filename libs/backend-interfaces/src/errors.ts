import { defineErrors } from '@joinery/errors';

/**
 * The catalogue of this package. Validation errors carry `details.field` (the BI JSON name, e.g. `DevEUI`) and
 * `details.reason` (`missing`, `not_hex`, `wrong_length`, …); which BI ResultCode each one becomes is decided in
 * `parse-request.ts` (one table) and `result-code.ts` (one table per protocol version).
 */
export const biErrors = defineErrors('bi', {
  not_a_message: ['invalid_argument', 'not a Backend Interfaces message: no answer header can be built'],
  malformed_message: ['invalid_argument', 'malformed Backend Interfaces message'],
  frame_size: ['invalid_argument', 'PHYPayload has the wrong size'],
  invalid_protocol_version: ['invalid_argument', 'unsupported ProtocolVersion'],
  unsupported_message_type: ['invalid_argument', 'MessageType is not served by a Join Server'],
  unsupported_mac_version: ['invalid_argument', 'unsupported MACVersion'],
  mac_version_mismatch: ['invalid_argument', 'MACVersion and the DLSettings OptNeg bit disagree'],
  invalid_key_envelope: ['invalid_argument', 'invalid KeyEnvelope'],
  incomplete_answer: ['internal', 'answer lacks a field the specification requires'],
});
