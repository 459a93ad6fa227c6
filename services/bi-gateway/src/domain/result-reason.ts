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
  'keys:malformed_frame': 'malformed',
  'keys:malformed_request': 'malformed',
  'bi:mac_version_mismatch': 'mac_version_mismatch',
  'grpc:deadline_exceeded': 'other',
  'grpc:unavailable': 'other',
  'grpc:cancelled': 'other',
  'grpc:resource_exhausted': 'other',
};

/** The result reason for anything caught while handling a request; unknown errors are `other`. */
export function reasonFor(err: unknown): ResultReason {
  const error = JoineryError.from(err);
  return reasonByErrorCode[error.code] ?? 'other';
}

/** A short, secret-free Description for the answer: the error code, which NS operators can look up. */
export function descriptionFor(err: unknown): string {
  return JoineryError.from(err).code;
}
