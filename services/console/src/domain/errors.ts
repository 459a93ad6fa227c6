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
});
