import type { Logger } from '@joinery/logging';
import type { AuthenticateSessionResponse, Principal } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyRequest } from 'fastify';
import type { ActivityHub } from '../../domain/activity-hub.js';
import { consoleErrors } from '../../domain/errors.js';
import type { BillingQueries, ClaimsClient } from '../../domain/ports.js';
import { errorResponse } from './openapi.js';

/** What every `/api/v1` route plugin is registered with. */
export interface ApiRoutesDeps {
  readonly claims: ClaimsClient;
  /** The console's logger (Fastify's own request logger is off). */
  readonly logger?: Logger;
  readonly billing?: BillingQueries;
  /** The Backend Interfaces' public URL, which credentials bundles name (absent: registrations offer none). */
  readonly biPublicUrl?: string;
  /** Join events as they happen, for the live activity streams (absent: those answer 503). */
  readonly activity?: ActivityHub;
  /** How often an activity stream sends a heartbeat comment (default 15 s). */
  readonly activityHeartbeatMs?: number;
}

/** The session cookie, the header naming the account a user acts in, and the CSRF header of cookie changes. */
export const sessionCookie = 'joinery_session';
export const accountHeaderName = 'x-joinery-account';
export const csrfHeaderName = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the caller came with the session cookie. */
    session?: { readonly token: string; readonly answer: AuthenticateSessionResponse };
  }
}

/** The refusals most calls can answer, each with what it means (400/401 and the framework's are added to all). */
export const errors = {
  400: errorResponse(
    '`invalid_request`: a parameter, the query or the body is not valid (the message names which)',
  ),
  401: errorResponse('`unauthenticated`: no token, or an unknown or revoked one'),
  403: errorResponse('the caller may not do this: `forbidden` (an admin call), `wrong_claim_code`, …'),
  404: errorResponse(
    'not found: `unknown_device`, `unknown_network_server`, …; another account’s resource answers as an unknown one',
  ),
  409: errorResponse('conflicts with the current state: `already_claimed`, `not_claimed`, …'),
};
export const bearer = [{ bearer: [] }, { session: [] }];

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

/** The caller the authentication hook found (`registerApiRoutes`). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw consoleErrors.unauthenticated();
  return request.principal;
}
