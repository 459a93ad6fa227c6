import {
  resultCodeFor,
  type ProtocolVersion,
  type ResultCode,
  type ResultReason,
} from '@joinery/backend-interfaces';

/**
 * The one table from the error codes that travel between the services (the gateway's, claims' and keys', as they
 * arrive over gRPC) to Backend Interfaces result reasons; `resultCodeFor` in libs/backend-interfaces then picks the
 * code per protocol version. The gateway answers by it and keys writes its refused join events by it, so an NS's
 * answer and the event always say the same.
 * Every refusal of a device the caller may not activate is `unknown_device`, so a foreign NS cannot tell whether
 * the device exists (PRODUCT invariant 5).
 */
export const reasonByErrorCode: Readonly<Record<string, ResultReason>> = {
  'gateway:unknown_sender': 'unknown_sender',
  'gateway:unauthenticated': 'unknown_sender',
  'gateway:overloaded': 'other',
  'gateway:rate_limited': 'other',
  'gateway:deadline_exceeded': 'other',
  'gateway:not_authorized': 'unknown_device',
  'gateway:incomplete_authorization': 'other',
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

/** The result reason of an error code; a code no table knows is `other`. */
export function reasonOfErrorCode(code: string): ResultReason {
  return reasonByErrorCode[code] ?? 'other';
}

/** The ResultCode an NS gets for a refusal with this error code under its BI protocol version. */
export function resultCodeOfErrorCode(code: string, version: ProtocolVersion): ResultCode {
  return resultCodeFor(reasonOfErrorCode(code), version);
}
