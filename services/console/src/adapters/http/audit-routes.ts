import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { FastifyPluginAsync } from 'fastify';
import * as a from './access-schemas.js';
import { auditView, limitOf } from './access-views.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';

/** The audit log: every management change and every release of session keys, newest first. */
export const auditRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.get<{ Querystring: a.AuditQuery }>(
    '/api/v1/audit',
    {
      config: { scope: 'admin', audit: false },
      schema: {
        operationId: 'listAudit',
        tags: ['audit'],
        summary: 'The audit log, newest first',
        description:
          'Who (actor), when, from where (sourceAddress), what (action, target, details: never a secret). ' +
          "`keys.released` entries name the network server that got a device's session keys. Accounts see their " +
          'own; the admin sees every account, or one with `accountId`.',
        security: bearer,
        querystring: a.auditQuery,
        response: {
          200: { description: 'One page of audit entries, newest first', ...a.auditPage },
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const r = await claims.listAudit({
        principal: principalOf(request),
        accountId: q.accountId ?? '',
        cursor: q.cursor ?? '',
        limit: limitOf(q.limit),
        action: q.action ?? '',
        ...(q.since === undefined ? {} : { since: timestampFromDate(new Date(q.since)) }),
        ...(q.until === undefined ? {} : { until: timestampFromDate(new Date(q.until)) }),
      });
      return { items: r.entries.map(auditView), nextCursor: r.nextCursor === '' ? null : r.nextCursor };
    },
  );
};
