import { Scope } from '@joinery/proto/claims/v1/claims_pb';
import type { FastifyPluginAsync } from 'fastify';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import * as a from './access-schemas.js';
import { invitationView } from './access-views.js';
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

  app.post<{ Body: a.CreateAccountWithOwnerBody }>(
    '/api/v1/accounts',
    {
      schema: {
        operationId: 'createAccount',
        tags: ['accounts'],
        description:
          "Creates an account for a device owner. The answer carries the account's first API key (scope admin), " +
          "shown this once: keep it. With `owner:{email}`, that person is invited as the account's admin: the " +
          'answer adds the invitation and its token (shown this once).',
        summary: 'Create an owner account (admin); its first API key is shown this once',
        security: bearer,
        body: a.createAccountWithOwnerBody,
        response: {
          201: {
            description:
              'The account and its first API key (shown this once), and the invitation when an owner was named',
            ...a.createdAccountWithOwnerSchema,
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const created = await claims.createAccount({ principal, name: request.body.name });
      const answer = { id: created.account?.id, name: created.account?.name, apiKey: created.apiKey };
      const owner = request.body.owner;
      if (owner === undefined) return reply.code(201).send(answer);
      const invited = await claims.createInvitation({
        principal,
        accountId: created.account?.id ?? '',
        email: owner.email,
        role: 'admin',
      });
      const v = invited.invitation === undefined ? undefined : invitationView(invited.invitation);
      return reply.code(201).send({
        ...answer,
        ...(v === undefined
          ? {}
          : {
              invitation: {
                id: v.id,
                email: v.email,
                role: v.role,
                token: invited.token,
                expiresAt: v.expiresAt,
              },
            }),
      });
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
