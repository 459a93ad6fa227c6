import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import * as a from './access-schemas.js';
import { apiKeyView, limitOf, pageOf } from './access-views.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** An account's API keys: scoped, optionally expiring, shown once, stored hashed, revocable. */
export const apiKeyRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.post<{ Body: a.ApiKeyBody }>(
    '/api/v1/api-keys',
    {
      config: {
        scope: 'admin',
        audit: {
          action: 'api-key.created',
          targetType: 'api-key',
          targetId: (c) => str(c.response['id']),
          details: (c) => ({
            name: str(c.body['name']) ?? null,
            scopes: Array.isArray(c.body['scopes']) ? c.body['scopes'].join(',') : null,
            expiresAt: str(c.body['expiresAt']) ?? null,
          }),
          accountId: (c) => str(c.body['accountId']),
        },
      },
      schema: {
        operationId: 'createApiKey',
        tags: ['api-keys'],
        summary: 'Create an API key (shown this once)',
        description:
          'Scopes: `read` (GET everything in the account), `devices` (claims, devices, roaming), ' +
          '`network-servers` (NS and AS management), `billing`, `admin` (everything). A key outside its scope is ' +
          '403 `insufficient_scope`; after `expiresAt` it is 401. Account admins only.',
        security: bearer,
        body: a.apiKeyBody,
        response: {
          201: { description: 'The API key (the key is shown this once)', ...a.createdApiKeySchema },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await claims.createApiKey({
        principal: principalOf(request),
        accountId: b.accountId ?? '',
        scope: Scope.OWNER,
        name: b.name,
        scopes: b.scopes,
        ...(b.expiresAt === undefined ? {} : { expiresAt: timestampFromDate(new Date(b.expiresAt)) }),
      });
      if (r.apiKey === undefined) throw new Error('claims answered no key');
      const v = apiKeyView(r.apiKey);
      return reply.code(201).send({
        id: v.id,
        name: v.name,
        scopes: v.scopes,
        createdAt: v.createdAt,
        expiresAt: v.expiresAt,
        key: r.key,
      });
    },
  );

  app.get<{ Querystring: a.PageQuery }>(
    '/api/v1/api-keys',
    {
      config: { scope: 'admin', audit: false },
      schema: {
        operationId: 'listApiKeys',
        tags: ['api-keys'],
        summary: "The account's API keys (never the keys themselves)",
        description: 'With when each was last used (to the minute) and whether it is revoked.',
        security: bearer,
        querystring: a.pageQuery,
        response: {
          200: { description: 'One page of API keys, without their keys', ...a.apiKeyPage },
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const { apiKeys } = await claims.listApiKeys({
        principal: principalOf(request),
        accountId: q.accountId ?? '',
      });
      return pageOf(apiKeys.map(apiKeyView), (k) => k.id, q.cursor, limitOf(q.limit));
    },
  );

  app.delete<{ Params: a.IdParams }>(
    '/api/v1/api-keys/:id',
    {
      config: {
        scope: 'admin',
        audit: { action: 'api-key.revoked', targetType: 'api-key', targetId: (c) => c.params['id'] },
      },
      schema: {
        operationId: 'revokeApiKey',
        tags: ['api-keys'],
        summary: 'Revoke an API key',
        description: 'Refused from then on (401 `unauthenticated`).',
        security: bearer,
        params: a.idParams,
        response: { 204: { type: 'null', description: 'revoked' }, ...errors },
      },
    },
    async (request, reply) => {
      await claims.revokeApiKey({ principal: principalOf(request), apiKeyId: request.params.id });
      return reply.code(204).send();
    },
  );
};
