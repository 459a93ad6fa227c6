import { Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import * as s from './schemas.js';

/** `whoami` and the owner accounts. */
export const accountRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.get(
    '/api/v1/whoami',
    {
      schema: {
        operationId: 'getWhoAmI',
        tags: ['accounts'],
        description: 'Who the bearer token names: the admin, or an account (and which).',
        summary: 'The caller',
        security: bearer,
        response: { 200: { description: 'The caller', ...s.whoAmISchema }, ...errors },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return {
        accountId: principal.accountId === '' ? null : principal.accountId,
        scope: principal.scope === Scope.ADMIN ? 'admin' : 'owner',
      };
    },
  );

  app.post<{ Body: s.CreateAccountBody }>(
    '/api/v1/accounts',
    {
      schema: {
        operationId: 'createAccount',
        tags: ['accounts'],
        description:
          "Creates an account for a device owner. The answer carries the account's first API key (scope admin), shown this once: keep it.",
        summary: 'Create an owner account (admin); its first API key is shown this once',
        security: bearer,
        body: s.createAccountBody,
        response: {
          201: {
            description: 'The account and its first API key (shown this once)',
            ...s.createdAccountSchema,
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const created = await claims.createAccount({
        principal: principalOf(request),
        name: request.body.name,
      });
      return reply
        .code(201)
        .send({ id: created.account?.id, name: created.account?.name, apiKey: created.apiKey });
    },
  );

  app.get(
    '/api/v1/accounts',
    {
      schema: {
        operationId: 'listAccounts',
        tags: ['accounts'],
        description: 'Every owner account, oldest first (admin only).',
        summary: 'List accounts (admin)',
        security: bearer,
        response: {
          200: {
            description: 'The accounts',
            type: 'object',
            required: ['accounts'],
            properties: { accounts: { type: 'array', items: s.accountSchema } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { accounts } = await claims.listAccounts({ principal: principalOf(request) });
      return {
        accounts: accounts.map((a) => ({
          id: a.id,
          name: a.name,
          ...(a.createdAt === undefined
            ? {}
            : { createdAt: new Date(Number(a.createdAt.seconds) * 1000).toISOString() }),
        })),
      };
    },
  );
};
