import { Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import type { BillingQueries, ClaimsClient } from '../../domain/ports.js';
import { checkSystemHealth, defaultHealthTimeoutMs, type HealthStatus } from '../../domain/system-health.js';
import { errorResponse } from './openapi.js';
import { bearer, principalOf } from './route-support.js';

export interface SystemHealthRoutesDeps {
  readonly claims: ClaimsClient;
  readonly billing?: BillingQueries;
  /** Bound of each check (default 1 s). */
  readonly healthTimeoutMs?: number;
}

const statuses = ['ok', 'degraded', 'down'] as const;
const statusOf = (s: string): HealthStatus =>
  (statuses as readonly string[]).includes(s) ? (s as HealthStatus) : 'down';

const systemHealthSchema = {
  type: 'object',
  required: ['status', 'components'],
  additionalProperties: false,
  properties: {
    status: {
      type: 'string',
      enum: statuses,
      description: '`down` when claims is down, `degraded` when any other component is not `ok`',
    },
    components: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'status'],
        additionalProperties: false,
        properties: {
          name: {
            type: 'string',
            description: '`console`, `claims`, `billing`, `store` (claims’ store), `keys`, `bus`',
          },
          status: { type: 'string', enum: statuses },
          detail: { type: 'string', description: 'What was found, in words' },
          latencyMs: { type: 'integer', minimum: 0, description: 'How long the check took' },
        },
      },
    },
  },
} as const;

/** `GET /api/v1/system/health`: the operator's view of the services behind the console. */
export const systemHealthRoutes: FastifyPluginAsync<SystemHealthRoutesDeps> = async (app, deps) => {
  const { claims, billing } = deps;
  app.get(
    '/api/v1/system/health',
    {
      // Any caller's key passes the scope check (`/api/v1/system/`); the handler lets only the operator in.
      schema: {
        operationId: 'getSystemHealth',
        tags: ['system'],
        summary: 'The health of the services behind the console (admin token or operator)',
        description:
          'Checks the console, claims, billing, claims’ store, the keys service reached from claims and the keys ' +
          'event outbox (`bus`: events not yet on the bus and how old the oldest is), each within a short bound, ' +
          'so the answer comes fast when a component is down. The HSM itself is not reported: `keys` is the ' +
          'reachability of the keys service.',
        security: bearer,
        response: {
          200: { description: 'Each component and the overall status', ...systemHealthSchema },
          403: errorResponse('`operator_only`: only the admin token or an operator user may see this'),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.scope !== Scope.ADMIN) throw consoleErrors.operator_only();
      return checkSystemHealth(
        {
          claims: async (timeoutMs) => {
            const answer = await claims.checkHealth({ principal, timeoutMs }, { timeoutMs: timeoutMs * 2 });
            return answer.components.map((c) => ({
              name: c.name,
              status: statusOf(c.status),
              ...(c.detail === '' ? {} : { detail: c.detail }),
              ...(c.latencyMs === undefined ? {} : { latencyMs: c.latencyMs }),
            }));
          },
          billing: billing?.ping?.bind(billing),
        },
        deps.healthTimeoutMs ?? defaultHealthTimeoutMs,
      );
    },
  );
};
