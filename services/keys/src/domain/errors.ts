import { defineErrors } from '@joinery/errors';

/**
 * The keys service's error catalogue. Codes are stable (`keys:<name>`); the gRPC edge carries them intact and the
 * gateway maps them to Backend Interfaces result codes. Messages never carry key material.
 */
export const keysErrors = defineErrors('keys', {
  mic_failed: ['permission_denied', 'join-request MIC mismatch'],
  dev_nonce_replayed: ['failed_precondition', 'DevNonce already used'],
  dev_nonce_too_small: ['failed_precondition', 'DevNonce not greater than the last accepted'],
  rj_count_replayed: ['failed_precondition', 'RJcount not greater than the last accepted'],
  join_nonce_exhausted: ['resource_exhausted', 'JoinNonce exhausted (0xFFFFFF reached)'],
  unsupported_mac_version: ['invalid_argument', 'unsupported LoRaWAN version for this request'],
  unknown_device: ['not_found', 'no root keys for this device'],
  malformed_frame: ['invalid_argument', 'malformed join-request or rejoin-request'],
  malformed_request: ['invalid_argument', 'malformed request'],
  unknown_session: ['not_found', 'unknown session'],
  root_keys_exist: ['already_exists', 'root keys already imported for this device'],
  kek_exists: ['already_exists', 'a KEK with this label exists'],
  unknown_kek: ['not_found', 'no KEK with this label'],
  invalid_master_key: ['failed_precondition', 'the vault master key file is unusable'],
  vault_tampered: ['internal', 'a sealed vault record failed its integrity check'],
  unsupported_vault: ['failed_precondition', 'this key vault is not available'],
  hsm_unavailable: ['unavailable', 'the PKCS#11 module could not be loaded or initialised'],
  hsm_token_not_found: ['failed_precondition', 'no PKCS#11 token with this slot or label'],
  hsm_login_failed: ['failed_precondition', 'PKCS#11 login failed (check the PIN)'],
  hsm_error: ['internal', 'the HSM refused an operation'],
});

/** The error detail a recorded refusal carries (keys.proto, HandleJoin): the id of its JoinEvent in the outbox. */
export const refusalEventIdDetail = 'event_id';

/** Refusals decided by the join pipeline: each one is answered and also recorded as a REFUSED JoinEvent. */

export const joinRefusalCodes: ReadonlySet<string> = new Set([
  keysErrors.mic_failed.code,
  keysErrors.dev_nonce_replayed.code,
  keysErrors.dev_nonce_too_small.code,
  keysErrors.rj_count_replayed.code,
  keysErrors.join_nonce_exhausted.code,
  keysErrors.unsupported_mac_version.code,
  keysErrors.unknown_device.code,
  keysErrors.malformed_frame.code,
]);
