import { JoineryError } from '@joinery/errors';
import type { ResultReason } from '@joinery/backend-interfaces';
import { descriptionByErrorCode, reasonByErrorCode, reasonOfErrorCode } from '@joinery/wire';

export { reasonByErrorCode };

/** The result reason for anything caught while handling a request; unknown errors are `other`. */
export function reasonFor(err: unknown): ResultReason {
  return reasonOfErrorCode(JoineryError.from(err).code);
}

/**
 * The Description of each result reason, for the NS operator: in words, never an internal error code. Every refusal
 * of a device the caller may not activate has the one `unknown_device` description, so a device of another owner
 * reads exactly like one that does not exist.
 */
const descriptionByReason: Readonly<Record<ResultReason, string>> = {
  success: '',
  malformed: 'malformed message',
  unsupported_message_type: 'this message type is not served by the join server',
  frame_size: 'PHYPayload has the wrong size',
  invalid_protocol_version: 'unsupported ProtocolVersion',
  mic_failed: 'the MIC of the join-request is not valid',
  unknown_device: 'unknown device',
  unknown_session: 'unknown session for this device',
  dev_nonce_replayed: 'the DevNonce (or RJcount) was already used',
  unknown_sender: 'the sender is not known, or is not who the credential says',
  unknown_receiver: 'unknown receiver',
  no_roaming_agreement: 'no roaming agreement with the home network of this device',
  activation_disallowed: 'activation is not allowed',
  join_nonce_exhausted: 'the JoinNonce of this device is exhausted; it needs new root keys',
  unsupported_mac_version: 'unsupported MACVersion',
  mac_version_mismatch: 'MACVersion does not match the device',
  join_failed: 'the join failed',
  deferred: '',
  no_action: '',
  other: 'internal error of the join server; retry later',
};

/**
 * A short, secret-free Description for the answer, in words for the NS operator (see `descriptionByReason`). Where one
 * reason covers cases an operator handles differently, the registry's description of the code says which case it is
 * (`descriptionByErrorCode`, `@joinery/wire`); never for a reason that must not tell cases apart: the test holds that.
 */
export function descriptionFor(err: unknown): string {
  const error = JoineryError.from(err);
  const reason = reasonFor(error);
  const distinct = reason !== 'unknown_device' && reason !== 'unknown_sender';
  return (distinct ? descriptionByErrorCode[error.code] : undefined) ?? descriptionByReason[reason];
}

/** The Description for a reason decided without an error. */
export function descriptionOfReason(reason: ResultReason): string {
  return descriptionByReason[reason];
}
