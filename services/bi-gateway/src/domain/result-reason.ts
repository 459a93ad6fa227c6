import { JoineryError } from '@joinery/errors';
import type { ResultReason } from '@joinery/backend-interfaces';

/**
 * The one table from error codes (of the gateway, claims and keys, as they arrive over gRPC) to Backend Interfaces
 * result reasons; `resultCodeFor` in libs/backend-interfaces then picks the code per protocol version.
 * Every refusal of a device the caller may not activate is `unknown_device`, so a foreign NS cannot tell whether
 * the device exists (PRODUCT invariant 5).
 */
export const reasonByErrorCode: Readonly<Record<string, ResultReason>> = {
  'gateway:unknown_sender': 'unknown_sender',
  'gateway:unauthenticated': 'unknown_sender',
  'gateway:overloaded': 'other',
  'gateway:rate_limited': 'other',
  'gateway:deadline_exceeded': 'other',
  'claims:unauthenticated': 'unknown_sender',
  'claims:not_authorized': 'unknown_device',
  'claims:unknown_device': 'unknown_device',
  'claims:device_locked': 'unknown_device',
  'claims:not_claimed': 'unknown_device',
  'claims:permission_denied': 'unknown_device',
  'claims:no_roaming_agreement': 'no_roaming_agreement',
  'keys:mic_failed': 'mic_failed',
  'keys:dev_nonce_replayed': 'dev_nonce_replayed',
  'keys:dev_nonce_too_small': 'dev_nonce_replayed',
  'keys:rj_count_replayed': 'dev_nonce_replayed',
  'keys:join_nonce_exhausted': 'join_nonce_exhausted',
  'keys:unsupported_mac_version': 'unsupported_mac_version',
  'keys:unknown_device': 'unknown_device',
  'keys:unknown_session': 'unknown_session',
  'gateway:unknown_session': 'unknown_session',
  'keys:malformed_frame': 'malformed',
  'keys:malformed_request': 'malformed',
  'bi:mac_version_mismatch': 'mac_version_mismatch',
  // The vault's and the store's failures, and what claims refuses on management calls only: nothing the NS could
  // change, so `Other`. Listed so that a new code of keys or claims must be placed here (error-catalogue test).
  'keys:root_keys_exist': 'other',
  'keys:kek_exists': 'other',
  'keys:unknown_kek': 'other',
  'keys:invalid_master_key': 'other',
  'keys:vault_tampered': 'other',
  'keys:unsupported_vault': 'other',
  'keys:hsm_unavailable': 'other',
  'keys:hsm_token_not_found': 'other',
  'keys:hsm_login_failed': 'other',
  'keys:hsm_error': 'other',
  'claims:invalid_argument': 'other',
  'claims:invalid_batch': 'other',
  'claims:device_exists': 'other',
  'claims:wrong_claim_code': 'other',
  'claims:already_claimed': 'other',
  'claims:not_locked': 'other',
  'claims:unknown_network_server': 'other',
  'claims:unknown_application_server': 'other',
  'claims:unknown_account': 'other',
  'claims:unknown_api_key': 'other',
  'claims:unknown_peer': 'other',
  'claims:rate_limited': 'other',
  'claims:admin_only': 'other',
  'claims:conflict': 'other',
  'claims:invalid_seal_key': 'other',
  'claims:ca_unseal_failed': 'other',
  'claims:unknown_bundle': 'other',
  'claims:bundle_gone': 'other',
  'grpc:deadline_exceeded': 'other',
  'grpc:draining': 'other',
  'grpc:unimplemented': 'other',
  'grpc:invalid_message': 'other',
  'grpc:invalid_metadata': 'other',
  'grpc:invalid_timeout': 'other',
  'grpc:unauthenticated': 'other',
  'grpc:permission_denied': 'other',
  'grpc:unknown': 'other',
  'grpc:internal': 'other',
  'grpc:unsupported_method': 'other',
  'grpc:unavailable': 'other',
  'grpc:cancelled': 'other',
  'grpc:resource_exhausted': 'other',
};

/** The result reason for anything caught while handling a request; unknown errors are `other`. */
export function reasonFor(err: unknown): ResultReason {
  const error = JoineryError.from(err);
  return reasonByErrorCode[error.code] ?? 'other';
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
