import { createHash, timingSafeEqual } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import cookie from '@fastify/cookie';
import { PrincipalSchema, Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyInstance } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { applyAccessPolicy, grantsAllow, type AuditContext } from './access-policy.js';
import { accountRoutes } from './account-routes.js';
import { registerComponents } from './openapi.js';
import { apiKeyRoutes } from './api-key-routes.js';
import { auditRoutes } from './audit-routes.js';
import { authRoutes } from './auth-routes.js';
import { memberRoutes } from './member-routes.js';
import { billingRoutes } from './billing-routes.js';
import { bulkClaimRoutes } from './bulk-claim-routes.js';
import { deviceActivityRoutes } from './device-activity-routes.js';
import { deviceQrRoutes } from './device-qr-routes.js';
import { deviceBatchRoutes } from './device-batch-routes.js';
import { deviceListRoutes, deviceRoutes } from './device-routes.js';
import { peerLifecycleRoutes } from './peer-lifecycle-routes.js';
import { peerRoutes } from './peer-routes.js';
import { roamingRoutes } from './roaming-routes.js';
import { accountHeaderName, csrfHeaderName, sessionCookie, type ApiRoutesDeps } from './route-support.js';

export type { ApiRoutesDeps } from './route-support.js';

/**
 * One plugin per resource, in this order: the OpenAPI document lists the paths in the order they are registered, and
 * it stays the same document.
 */
const resources = [
  accountRoutes,
  deviceBatchRoutes,
  peerRoutes,
  deviceRoutes,
  roamingRoutes,
  deviceListRoutes,
  billingRoutes,
  authRoutes,
  memberRoutes,
  apiKeyRoutes,
  auditRoutes,
  bulkClaimRoutes,
  deviceQrRoutes,
  peerLifecycleRoutes,
  deviceActivityRoutes,
] as const;

/**
 * `/api/v1`: the PRODUCT.md management table, plus listing, invoices and `whoami` in the same style. Every route
 * needs a caller unless its config says `public`: `Authorization: Bearer <admin token | API key>`, or the session
 * cookie (with `X-CSRF-Token` on changes). The caller is `request.principal`; its grants must cover the route's
 * scope (access-policy.ts). A change that succeeded is recorded in the audit log, here, once for every route.
 */
export async function registerApiRoutes(app: FastifyInstance, deps: ApiRoutesDeps): Promise<void> {
  const { claims } = deps;
  // The shared component schemas the routes refer to (`$ref`), whoever builds the app around them.
  registerComponents(app);
  await app.register(cookie);
  app.addHook('onRoute', applyAccessPolicy);

  app.addHook('onRequest', async (request) => {
    const { config } = request.routeOptions;
    if (!request.url.startsWith('/api/v1/') || config.public === true) return;
    const scope = config.scope ?? 'admin';
    const header = request.headers.authorization;
    const sessionToken = request.cookies[sessionCookie] ?? '';
    if (header !== undefined || sessionToken === '') {
      if (header === undefined) throw consoleErrors.unauthenticated();
      if (scope === 'session') throw consoleErrors.session_required();
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (token === '') throw consoleErrors.unauthenticated();
      const { principal } = await claims.authenticate({ token });
      request.principal = principal ?? create(PrincipalSchema);
    } else {
      const accountHeader = request.headers[accountHeaderName];
      const session = await claims.authenticateSession({
        sessionToken,
        accountId: typeof accountHeader === 'string' ? accountHeader.trim() : '',
        requireAccount: scope !== 'session',
      });
      if (!safeMethods.has(request.method)) {
        const sent = request.headers[csrfHeaderName];
        if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken))
          throw consoleErrors.csrf_failed();
      }
      request.principal = session.principal ?? create(PrincipalSchema);
      request.session = { token: sessionToken, answer: session };
    }
    const principal = request.principal;
    if (principal.scope === Scope.ADMIN) return;
    const grants = principal.grants.length === 0 ? ['admin'] : principal.grants;
    if (!grantsAllow(grants, scope, config.secret === true ? 'POST' : request.method))
      throw principal.actor?.type === 'user' ? consoleErrors.forbidden() : consoleErrors.insufficient_scope();
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const spec = request.routeOptions.config.audit;
    const principal = request.principal;
    if (spec === undefined || spec === false || principal === undefined || reply.statusCode >= 400)
      return payload;
    const context: AuditContext = {
      params: (request.params ?? {}) as Record<string, string>,
      body: isRecord(request.body) ? request.body : {},
      response: typeof payload === 'string' ? parseObject(payload) : {},
    };
    try {
      await claims.recordAudit({
        principal,
        action: spec.action,
        targetType: spec.targetType,
        targetId: spec.targetId(context) ?? '',
        sourceAddress: request.ip,
        detailsJson: JSON.stringify(spec.details?.(context) ?? {}),
        accountId: spec.accountId?.(context) ?? '',
      });
    } catch (err) {
      deps.logger?.error({ err, action: spec.action }, 'audit entry not recorded');
    }
    return payload;
  });

  for (const resource of resources) await app.register(resource, deps);
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && b !== '';
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
