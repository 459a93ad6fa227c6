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
});
