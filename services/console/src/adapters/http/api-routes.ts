import { create } from '@bufbuild/protobuf';
import { PrincipalSchema } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyInstance } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { accountRoutes } from './account-routes.js';
import { billingRoutes } from './billing-routes.js';
import { bulkClaimRoutes } from './bulk-claim-routes.js';
import { deviceActivityRoutes } from './device-activity-routes.js';
import { deviceQrRoutes } from './device-qr-routes.js';
import { deviceBatchRoutes } from './device-batch-routes.js';
import { deviceListRoutes, deviceRoutes } from './device-routes.js';
import { peerLifecycleRoutes } from './peer-lifecycle-routes.js';
import { peerRoutes } from './peer-routes.js';
import { roamingRoutes } from './roaming-routes.js';
import type { ApiRoutesDeps } from './route-support.js';

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
  bulkClaimRoutes,
  deviceQrRoutes,
  peerLifecycleRoutes,
  deviceActivityRoutes,
] as const;

/**
 * `/api/v1`: the PRODUCT.md management table, plus listing, invoices and `whoami` in the same style. Every route
 * needs a bearer token unless its config says `public`; the caller it names is `request.principal`.
 */
export async function registerApiRoutes(app: FastifyInstance, deps: ApiRoutesDeps): Promise<void> {
  const { claims } = deps;

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/') || request.routeOptions.config.public === true) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (token === '') throw consoleErrors.unauthenticated();
    const { principal } = await claims.authenticate({ token });
    request.principal = principal ?? create(PrincipalSchema);
  });

  for (const resource of resources) await app.register(resource, deps);
}
