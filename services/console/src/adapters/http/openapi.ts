// The OpenAPI 3.1 document of the management API: the shared component schemas, the tags, and the parts of every
// operation that are the same everywhere (bearer security, the errors any call can meet). What each route must say
// itself (operationId, tags, summary, description, its own answers) is checked by openapi-routes.test.ts for every
// route that is registered.
import type { FastifyInstance, RouteOptions } from 'fastify';
import * as s from './schemas.js';

/** One resource tag per operation (docs/api-plan: the tags of the management API). */
export const apiTags = [
  { name: 'accounts', description: 'Owner accounts and the caller (`whoami`)' },
  { name: 'auth', description: 'Log in, sessions, passwords' },
  { name: 'members', description: 'The people of an account and their invitations' },
  { name: 'api-keys', description: 'API keys of an account: created, scoped, revoked' },
  { name: 'audit', description: 'The audit log of management changes and key releases' },
  { name: 'devices', description: 'Device batches, devices, their DevNonce state and roaming' },
  { name: 'claims', description: 'Claiming and unclaiming devices' },
  { name: 'network-servers', description: 'Network servers: registration, credentials' },
  { name: 'application-servers', description: 'Application servers (AppSKeyReq): registration, credentials' },
  { name: 'billing', description: 'Activation charges and monthly invoices' },
  { name: 'roaming', description: 'Roaming agreements of an account (HomeNSReq)' },
  { name: 'system', description: 'Facts about this installation' },
  { name: 'operator', description: 'What only the operator (the admin token) may do' },
] as const;

export type ApiTag = (typeof apiTags)[number]['name'];

/** An error answer (`{error:{code,message}}`) with what it means for this status. */
export const errorResponse = (description: string) => ({ description, ...s.errorSchema });

/** `Retry-After` on every 429: whole seconds until a retry can succeed. */
export const retryAfterHeader = {
  'retry-after': {
    type: 'integer',
    minimum: 1,
    description: 'Seconds until the request may be retried',
  },
} as const;

/** A 429 answer: too many requests, with `Retry-After`. */
export const rateLimitedResponse = {
  ...errorResponse('`rate_limited`: too many attempts; retry after `Retry-After` seconds'),
  headers: retryAfterHeader,
};

/** What any authenticated `/api/v1` call can answer besides its own answers (added by `completeOperation`). */
const commonErrors = (withBody: boolean, isPublic: boolean): Record<number, object> => ({
  400: errorResponse(
    '`invalid_request`: a parameter, the query or the body is not valid (the message names which); ' +
      '`bad_url`: a malformed URL',
  ),
  ...(isPublic ? {} : { 401: errorResponse('`unauthenticated`: no token, or an unknown or revoked one') }),
  ...(withBody
    ? {
        413: errorResponse('`body_too_large`: the body is larger than the server accepts'),
        415: errorResponse('`unsupported_media_type`: the body is not of a type this call accepts'),
      }
    : {}),
  414: errorResponse('`uri_too_long`: a path segment is too long'),
  500: errorResponse('`unexpected`: an internal error (logged on the server; the message says nothing more)'),
  503: errorResponse('`unavailable`: a service behind the API is not reachable; retry later'),
});

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Registers the shared component schemas (once), so routes can refer to them (`s.deviceSchema` is `{$ref:'Device#'}`).
 */
export function registerComponents(app: FastifyInstance): void {
  for (const component of s.componentSchemas)
    if (app.getSchema(component.$id) === undefined) app.addSchema(component);
}

interface RouteSchema {
  hide?: boolean;
  security?: unknown;
  response?: Record<string, Record<string, unknown>>;
}

/**
 * onRoute: completes the documentation of an `/api/v1` operation with what is the same for every call: bearer
 * security unless it is public, the framework's error answers, `Retry-After` on a 429. What is specific to the
 * route stays its own to say (and is checked by the route test).
 */
export function completeOperation(route: RouteOptions): void {
  const url = route.url ?? '';
  const schema = route.schema as RouteSchema | undefined;
  if (!url.startsWith('/api/v1/') || schema === undefined || schema.hide === true) return;
  const isPublic = route.config?.public === true;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const withBody = methods.some((m) => bodyMethods.has(m.toUpperCase()));
  if (schema.security === undefined) schema.security = isPublic ? [] : [{ bearer: [] }];
  const response = (schema.response ??= {});
  for (const [status, answer] of Object.entries(commonErrors(withBody, isPublic)))
    if (response[status] === undefined) response[status] = answer as Record<string, unknown>;
  const tooMany = response['429'];
  if (tooMany !== undefined)
    response['429'] = {
      ...tooMany,
      description: tooMany.description ?? rateLimitedResponse.description,
      headers: tooMany.headers ?? retryAfterHeader,
    };
}

/** The document's fixed parts; `servers` is filled per request with the address the caller used. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Joinery management API',
    version: '1.0.0',
    summary: 'Manage a Joinery LoRaWAN Join Server',
    description:
      'Accounts, device batches, claims, network and application servers, devices, roaming and billing. ' +
      'JSON over HTTP under `/api/v1`; errors are always `{error:{code,message}}` with a stable snake_case code. ' +
      'Authenticate with `Authorization: Bearer <admin token | API key>`.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  servers: [{ url: 'http://127.0.0.1:7080', description: 'embedded mode on this machine (npm start)' }],
  tags: [...apiTags],
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'The admin token, or an API key of an account',
      },
      session: {
        type: 'apiKey',
        in: 'cookie',
        name: 'joinery_session',
        description:
          'The session cookie of a logged-in user (POST /api/v1/auth/login); changes need X-CSRF-Token as well',
      },
    },
  },
} as const;
