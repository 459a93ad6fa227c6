import { defineErrors } from '@joinery/errors';

/**
 * The errors of people and access (users, sessions, invitations, members, API key scopes, audit), in the claims
 * namespace. A catalogue of their own because they are management-only: none can reach the Backend Interfaces
 * gateway, so none needs a BI result code (the registry of the codes that travel, `@joinery/wire` error-codes.ts,
 * holds `claimsErrors` with theirs).
 * Login throttling uses `claims:rate_limited` of errors.ts.
 */
export const accessErrors = defineErrors('claims', {
  invalid_credentials: ['unauthenticated', 'wrong email or password'],
  account_required: [
    'invalid_argument',
    'this user belongs to several accounts (or none): name one in the X-Joinery-Account header',
  ],
  forbidden: ['permission_denied', 'account members may only read'],
  insufficient_scope: ['permission_denied', 'the API key has no scope for this'],
  last_admin: ['failed_precondition', 'an account keeps at least one admin'],
  unknown_user: ['not_found', 'no member with this id in the account'],
  unknown_invitation: ['not_found', 'no open invitation with this id or token'],
  invitation_expired: ['failed_precondition', 'the invitation has expired'],
  weak_password: ['invalid_argument', 'a password has at least 12 and at most 1024 characters'],
  email_taken: ['already_exists', 'a user with this email exists'],
});
