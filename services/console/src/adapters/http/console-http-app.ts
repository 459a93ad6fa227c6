import swagger from '@fastify/swagger';
import { consoleWebDistDir } from '@joinery/console-web';
import { JoineryError, safeError } from '@joinery/errors';
import type { Logger } from '@joinery/logging';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type RouteOptions,
} from 'fastify';
import type { ActivityHub } from '../../domain/activity-hub.js';
import { consoleErrors } from '../../domain/errors.js';
import type { BillingQueries, ClaimsClient } from '../../domain/ports.js';
import { registerApiRoutes } from './api-routes.js';
import { fastifyRestErrorOf, restErrorOf } from './http-status.js';
import { completeOperation, openApiDocument, registerComponents } from './openapi.js';
import { systemRoutes } from './system-routes.js';
import { systemHealthRoutes } from './system-health-routes.js';
import { webConsoleRoutes } from './web-console.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without a bearer token (the OpenAPI document, health). */
    public?: boolean;
  }
  interface FastifyInstance {
    /** Every route as registered (method, url, schema, config): what the OpenAPI route test checks. */
    readonly registeredRoutes: readonly RouteOptions[];
  }
}

export interface ConsoleHttpAppOptions {
  readonly claims: ClaimsClient;
  readonly billing?: BillingQueries;
  readonly logger: Logger;
  /** Bodies above this are refused with 413 (device batches are the big ones). Default 16 MiB. */
  readonly bodyLimit?: number;
  /** The Backend Interfaces' public URL (`GET /api/v1/system/bi`). */
  readonly biPublicUrl?: string;
  /** The web console's bundle folder, served at `/`. Default: libs/console-web's `dist/`. */
  readonly webConsoleDir?: string;
  /** Join events as they happen, for the live activity streams. */
  readonly activity?: ActivityHub;
  /** How often an activity stream sends a heartbeat comment (default 15 s). */
  readonly activityHeartbeatMs?: number;
  /** Bound of each check of `GET /api/v1/system/health` (default 1 s). */
  readonly healthTimeoutMs?: number;
}

export const openApiPath = '/api/v1/openapi.json';

/** The management REST API (`/api/v1`), its OpenAPI 3.1 document and the web console at `/`. */
export async function buildConsoleHttpApp(options: ConsoleHttpAppOptions): Promise<FastifyInstance> {
  const { logger } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    // Above the longest path parameter a schema allows (ids: 128), so a too-long id is that schema's 400 and only
    // an absurd segment is 414 `uri_too_long`.
    routerOptions: { maxParamLength: 256 },
    // Strict: no type coercion, unknown properties refused (additionalProperties: false), every error reported.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    // Errors Fastify meets before routing (bad percent-encoding, an over-long path segment) in the API's shape too.
    frameworkErrors: (err, _request, reply: FastifyReply) => {
      const known = fastifyRestErrorOf(err) ?? restErrorOf(err);
      return reply.code(known.status).send(known.body);
    },
  });
  // A body-less DELETE that says `Content-Type: application/json` (many HTTP clients always do) is a body-less DELETE.
  app.addHook('onRequest', async (request) => {
    const { headers } = request;
    if (
      request.method === 'DELETE' &&
      headers['transfer-encoding'] === undefined &&
      (headers['content-length'] === undefined || headers['content-length'] === '0')
    )
      delete headers['content-type'];
  });

  // Every route completes its documentation with what all share (security, the framework's errors, Retry-After)
  // and is recorded for the route test; the shared component schemas come first, routes refer to them.
  const registeredRoutes: RouteOptions[] = [];
  app.decorate('registeredRoutes', registeredRoutes);
  app.addHook('onRoute', (route) => {
    completeOperation(route);
    registeredRoutes.push(route);
  });
  registerComponents(app);

  await app.register(swagger, {
    openapi: structuredClone(openApiDocument) as never,
    // Shared schemas keep their `$id` as their component name (`#/components/schemas/Device`).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation !== undefined) {
      const first = err.validation[0];
      const where = `${err.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
      const invalid = consoleErrors.invalid_request(
        { at: where },
        `${where} ${first?.message ?? 'is invalid'}`,
      );
      return reply.code(400).send(restErrorOf(invalid).body);
    }
    const framework = JoineryError.is(err) ? undefined : fastifyRestErrorOf(err);
    if (framework !== undefined) return reply.code(framework.status).send(framework.body);
    const rest = restErrorOf(err);
    const retryAfter = safeError(err).details['retry_after_s'];
    if (
      rest.status === 429 &&
      typeof retryAfter === 'number' &&
      Number.isInteger(retryAfter) &&
      retryAfter > 0
    )
      void reply.header('retry-after', String(retryAfter));
    if (rest.status >= 500)
      logger.error({ err, method: request.method, url: request.url }, 'api request failed');
    return reply.code(rest.status).send(rest.body);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(restErrorOf(consoleErrors.not_found()).body),
  );

  // `servers` names the address the caller reached this server at, so a client generated from it talks back here.
  app.get(openApiPath, { config: { public: true }, schema: { hide: true } }, async (request) => ({
    ...(app.swagger() as object),
    servers: [{ url: `${request.protocol}://${request.host}`, description: 'this server' }],
  }));
  app.get('/api/v1/health', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  await app.register(webConsoleRoutes, { dir: options.webConsoleDir ?? consoleWebDistDir });

  await registerApiRoutes(app, {
    claims: options.claims,
    logger,
    ...(options.billing === undefined ? {} : { billing: options.billing }),
    ...(options.biPublicUrl === undefined ? {} : { biPublicUrl: options.biPublicUrl }),
    ...(options.activity === undefined ? {} : { activity: options.activity }),
    ...(options.activityHeartbeatMs === undefined
      ? {}
      : { activityHeartbeatMs: options.activityHeartbeatMs }),
  });
  await app.register(systemRoutes, { biPublicUrl: options.biPublicUrl });
  await app.register(systemHealthRoutes, {
    claims: options.claims,
    ...(options.billing === undefined ? {} : { billing: options.billing }),
    ...(options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs }),
  });
  await app.ready();
  return app;
}
