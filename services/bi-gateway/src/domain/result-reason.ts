import { JoineryError } from '@joinery/errors';
import type { ResultReason } from '@joinery/backend-interfaces';
import { reasonByErrorCode, reasonOfErrorCode } from '@joinery/wire';

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
 * Where one reason covers cases an operator handles differently, these say which case it is. Never for a reason that
 * must not tell cases apart (`unknown_device`, `unknown_sender`): the test holds that.
 */
const descriptionByErrorCode: Readonly<Record<string, string>> = {
  'keys:dev_nonce_replayed': 'the DevNonce was already used',
  'keys:dev_nonce_too_small':
    'the DevNonce is not greater than the last one used (a device whose counter restarted needs a DevNonce reset by its owner)',
  'keys:rj_count_replayed': 'the RJcount of the rejoin-request was already used',
  'gateway:overloaded': 'the join server is overloaded; retry later',
  'gateway:rate_limited': 'request rate limit of this sender exceeded; retry later',
  'gateway:deadline_exceeded': 'the join server could not answer in time; retry later',
  'grpc:deadline_exceeded': 'the join server could not answer in time; retry later',
  'grpc:unavailable': 'the join server is temporarily unavailable; retry later',
  'grpc:resource_exhausted': 'the join server is overloaded; retry later',
};

/** A short, secret-free Description for the answer, in words for the NS operator (see `descriptionByReason`). */
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
