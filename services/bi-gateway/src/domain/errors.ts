import { defineErrors } from '@joinery/errors';

/** The gateway's own refusals (everything else comes from claims/keys with their codes). */
export const gatewayErrors = defineErrors('gateway', {
  unknown_sender: ['unauthenticated', 'SenderID/SenderNSID do not match the authenticated peer'],
  unauthenticated: ['unauthenticated', 'no valid client certificate or bearer token'],
  overloaded: ['resource_exhausted', 'the join server is overloaded; retry'],
  rate_limited: ['resource_exhausted', 'request rate limit of this peer exceeded'],
  /** keys answered GetAppSKey without a key: the same answer as keys' own `keys:unknown_session`. */
  unknown_session: ['not_found', 'unknown session'],
  deadline_exceeded: ['deadline_exceeded', 'the request did not complete within the internal deadline'],
  /** claims refused the device (any reason: unknown, locked, unclaimed, another JoinEUI or NS); answered alike. */
  not_authorized: ['permission_denied', 'the caller may not activate this device'],
  /** claims answered Authorize without an outcome, or authorized without the device or its delivery settings. */
  incomplete_authorization: ['internal', 'claims answered Authorize incompletely'],
});
