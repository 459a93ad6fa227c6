import { defineErrors } from '@joinery/errors';

/** The claims service's error catalogue; codes are stable (`claims:<name>`), tests assert them. */
export const claimsErrors = defineErrors('claims', {
  invalid_argument: ['invalid_argument', 'invalid argument'],
  invalid_batch: ['invalid_argument', 'invalid device batch'],
  device_exists: ['already_exists', 'a device with this DevEUI already exists'],
  unknown_device: ['not_found', 'no device with this DevEUI'],
  wrong_claim_code: ['permission_denied', 'the claim code does not match'],
  already_claimed: ['already_exists', 'the device is already claimed'],
  not_claimed: ['failed_precondition', 'the device is not claimed'],
  device_locked: ['failed_precondition', 'the device is locked'],
  not_locked: ['failed_precondition', 'the device is not locked'],
  unknown_network_server: ['not_found', 'no network server with this id in the account'],
  unknown_application_server: ['not_found', 'no application server with this id in the account'],
  unknown_account: ['not_found', 'no account with this id'],
  unknown_api_key: ['not_found', 'no API key with this id'],
  unknown_peer: ['not_found', 'no network or application server with this id'],
  rate_limited: ['resource_exhausted', 'too many failed claim attempts; try again later'],
  admin_only: ['permission_denied', 'only an admin may do this'],
  permission_denied: ['permission_denied', 'not allowed'],
  unauthenticated: ['unauthenticated', 'unknown or revoked credentials'],
  not_authorized: ['permission_denied', 'the caller may not activate this device'],
  no_roaming_agreement: ['permission_denied', 'the caller has no roaming agreement for this device'],
  conflict: ['unavailable', 'too much contention on a record; retry'],
  invalid_seal_key: ['failed_precondition', 'the claims seal key file is unusable'],
  ca_unseal_failed: ['failed_precondition', 'the stored CA key does not open with this seal key'],
});
