import type { Principal } from '@joinery/proto/claims/v1/claims_pb';
import type { Logger } from '@joinery/logging';
import type { FastifyRequest } from 'fastify';
import type { ActivityHub } from '../../domain/activity-hub.js';
import { consoleErrors } from '../../domain/errors.js';
import type { BillingQueries, ClaimsClient } from '../../domain/ports.js';
import * as s from './schemas.js';

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

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const errors = {
  400: s.errorSchema,
  401: s.errorSchema,
  403: s.errorSchema,
  404: s.errorSchema,
  409: s.errorSchema,
};
export const bearer = [{ bearer: [] }];

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();

/** The caller the authentication hook found (`registerApiRoutes`). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw consoleErrors.unauthenticated();
  return request.principal;
}
