import { defineErrors, type ErrorKind } from '@joinery/errors';
import type { ResultReason } from './result-code.js';

/**
 * The catalogue of this package, each code with the result reason it is answered with (and so, via `resultCodeFor`,
 * its ResultCode per protocol version; `parse-request.ts` answers by it). Validation errors carry `details.field` (the
 * BI JSON name, e.g. `DevEUI`) and `details.reason` (`missing`, `not_hex`, `wrong_length`, …). The codes that travel
 * past the parser (the gateway refuses a join with `mac_version_mismatch`, keys records it) are placed in the wire
 * registry (`@joinery/wire`, error-codes.ts) from here.
 */
export const biErrorCatalogue = {
  not_a_message: {
    kind: 'invalid_argument',
    message: 'not a Backend Interfaces message: no answer header can be built',
    reason: 'malformed',
  },
  malformed_message: {
    kind: 'invalid_argument',
    message: 'malformed Backend Interfaces message',
    reason: 'malformed',
  },
  frame_size: { kind: 'invalid_argument', message: 'PHYPayload has the wrong size', reason: 'frame_size' },
  invalid_protocol_version: {
    kind: 'invalid_argument',
    message: 'unsupported ProtocolVersion',
    reason: 'invalid_protocol_version',
  },
  unsupported_message_type: {
    kind: 'invalid_argument',
    message: 'MessageType is not served by a Join Server',
    reason: 'unsupported_message_type',
  },
  unsupported_mac_version: {
    kind: 'invalid_argument',
    message: 'unsupported MACVersion',
    reason: 'unsupported_mac_version',
  },
  mac_version_mismatch: {
    kind: 'invalid_argument',
    message: 'MACVersion and the DLSettings OptNeg bit disagree',
    reason: 'mac_version_mismatch',
  },
  invalid_key_envelope: { kind: 'invalid_argument', message: 'invalid KeyEnvelope', reason: 'malformed' },
  incomplete_answer: {
    kind: 'internal',
    message: 'answer lacks a field the specification requires',
    reason: 'other',
  },
} as const satisfies Record<
  string,
  { readonly kind: ErrorKind; readonly message: string; readonly reason: ResultReason }
>;

export const biErrors = defineErrors('bi', biErrorCatalogue);
