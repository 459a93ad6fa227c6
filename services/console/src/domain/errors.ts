import { defineErrors } from '@joinery/errors';

/** The console's own error catalogue; everything else comes from the services behind it. */
export const consoleErrors = defineErrors('console', {
  unauthenticated: [
    'unauthenticated',
    'an Authorization: Bearer <admin token or API key> header is required',
  ],
  invalid_request: ['invalid_argument', 'the request does not match the API schema'],
  not_found: ['not_found', 'no such API route'],
  billing_unavailable: ['unavailable', 'billing is not available'],
  csrf_failed: [
    'permission_denied',
    'a change made with the session cookie needs the X-CSRF-Token header of the session',
  ],
  forbidden: ['permission_denied', 'account members may only read'],
  insufficient_scope: ['permission_denied', 'the API key has no scope for this'],
  session_required: ['unauthenticated', 'this call needs a login session (the joinery_session cookie)'],
  // The answer claims gives for a peer id it does not show (claims:unknown_peer), for a peer of the other kind.
  unknown_peer: ['not_found', 'no network or application server with this id'],
  activity_unavailable: ['unavailable', 'live join activity is not available on this console'],
  too_many_streams: ['resource_exhausted', 'too many open activity streams for this account'],
  bundle_gone: ['failed_precondition', 'the credentials bundle was downloaded already or has expired'],
  operator_only: ['permission_denied', 'only the operator (the admin token or an operator user) may do this'],
});
