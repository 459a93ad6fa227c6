import type { FastifyPluginAsync } from 'fastify';
import * as a from './access-schemas.js';
import {
  invitationView,
  limitOf,
  memberView,
  pageOf,
  sessionView,
  setSessionCookie,
} from './access-views.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import { errorSchema } from './schemas.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The members of an account (admin, member read-only) and the invitations that add them. */
export const memberRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  app.get<{ Querystring: a.PageQuery }>(
    '/api/v1/members',
    {
      config: { scope: 'admin', audit: false },
      schema: {
        operationId: 'listMembers',
        tags: ['members'],
        summary: "The account's members",
        description: 'Every user of the account with its role (`admin`: everything; `member`: read only).',
        security: bearer,
        querystring: a.pageQuery,
        response: { 200: { description: 'One page of members', ...a.memberPage }, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const { members } = await claims.listMembers({
        principal: principalOf(request),
        accountId: q.accountId ?? '',
      });
      return pageOf(members.map(memberView), (m) => m.id, q.cursor, limitOf(q.limit));
    },
  );

  app.put<{ Params: a.UserIdParams; Body: a.RoleBody }>(
    '/api/v1/members/:userId',
    {
      config: {
        scope: 'admin',
        audit: {
          action: 'member.role-changed',
          targetType: 'user',
          targetId: (c) => c.params['userId'],
          details: (c) => ({ role: str(c.body['role']) ?? null }),
          accountId: (c) => str(c.body['accountId']),
        },
      },
      schema: {
        operationId: 'updateMember',
        tags: ['members'],
        summary: "Change a member's role",
        description: 'Account admins only. An account keeps at least one admin (409 `last_admin`).',
        security: bearer,
        params: a.userIdParams,
        body: a.roleBody,
        response: { 200: { description: 'The member with the new role', ...a.memberSchema }, ...errors },
      },
    },
    async (request) => {
      const { member } = await claims.setMemberRole({
        principal: principalOf(request),
        accountId: request.body.accountId ?? '',
        userId: request.params.userId,
        role: request.body.role,
      });
      if (member === undefined) throw new Error('claims answered no member');
      return memberView(member);
    },
  );

  app.delete<{ Params: a.UserIdParams; Querystring: a.AccountQuery }>(
    '/api/v1/members/:userId',
    {
      config: {
        scope: 'admin',
        audit: {
          action: 'member.removed',
          targetType: 'user',
          targetId: (c) => c.params['userId'],
        },
      },
      schema: {
        operationId: 'removeMember',
        tags: ['members'],
        summary: 'Remove a member from the account',
        description: 'Account admins only. An account keeps at least one admin (409 `last_admin`).',
        security: bearer,
        params: a.userIdParams,
        querystring: a.accountQuery,
        response: { 204: { type: 'null', description: 'removed' }, ...errors },
      },
    },
    async (request, reply) => {
      await claims.removeMember({
        principal: principalOf(request),
        accountId: request.query.accountId ?? '',
        userId: request.params.userId,
      });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: a.InvitationBody }>(
    '/api/v1/invitations',
    {
      config: {
        scope: 'admin',
        audit: {
          action: 'member.invited',
          targetType: 'invitation',
          targetId: (c) => str(c.response['id']),
          details: (c) => ({ email: str(c.body['email']) ?? null, role: str(c.body['role']) ?? null }),
          accountId: (c) => str(c.body['accountId']),
        },
      },
      schema: {
        operationId: 'createInvitation',
        tags: ['members'],
        summary: 'Invite someone to the account',
        description:
          'The token is shown this once (the console link is `/#/invite/<token>`); it expires after 7 days and ' +
          'is used once.',
        security: bearer,
        body: a.invitationBody,
        response: {
          201: {
            description: 'The invitation and its token (shown this once)',
            ...a.createdInvitationSchema,
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const r = await claims.createInvitation({
        principal: principalOf(request),
        accountId: request.body.accountId ?? '',
        email: request.body.email,
        role: request.body.role,
      });
      if (r.invitation === undefined) throw new Error('claims answered no invitation');
      const v = invitationView(r.invitation);
      return reply
        .code(201)
        .send({ id: v.id, email: v.email, role: v.role, token: r.token, expiresAt: v.expiresAt });
    },
  );

  app.get<{ Querystring: a.PageQuery }>(
    '/api/v1/invitations',
    {
      config: { scope: 'admin', audit: false },
      schema: {
        operationId: 'listInvitations',
        tags: ['members'],
        summary: "The account's open invitations",
        description:
          'Invitations neither accepted nor revoked (an expired one shows its expiresAt). No tokens.',
        security: bearer,
        querystring: a.pageQuery,
        response: { 200: { description: 'One page of open invitations', ...a.invitationPage }, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const { invitations } = await claims.listInvitations({
        principal: principalOf(request),
        accountId: q.accountId ?? '',
      });
      return pageOf(invitations.map(invitationView), (i) => i.id, q.cursor, limitOf(q.limit));
    },
  );

  app.delete<{ Params: a.IdParams }>(
    '/api/v1/invitations/:id',
    {
      config: {
        scope: 'admin',
        audit: { action: 'invitation.revoked', targetType: 'invitation', targetId: (c) => c.params['id'] },
      },
      schema: {
        operationId: 'revokeInvitation',
        tags: ['members'],
        summary: 'Revoke an open invitation',
        description: 'Its token is refused from then on.',
        security: bearer,
        params: a.idParams,
        response: { 204: { type: 'null', description: 'revoked' }, ...errors },
      },
    },
    async (request, reply) => {
      await claims.revokeInvitation({ principal: principalOf(request), invitationId: request.params.id });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: a.AcceptInvitationBody }>(
    '/api/v1/invitations/accept',
    {
      config: {
        public: true,
        audit: {
          action: 'member.joined',
          targetType: 'user',
          targetId: (c) => (c.response['user'] as { id?: string } | undefined)?.id,
        },
      },
      schema: {
        operationId: 'acceptInvitation',
        tags: ['members'],
        summary: 'Accept an invitation (no login needed: the token is the credential)',
        description:
          'A new email becomes a user with `name` and `password` (at least 12 characters); an existing user ' +
          'gives its password. Answers like login, with the session cookie.',
        security: [],
        body: a.acceptInvitationBody,
        response: {
          200: {
            description: 'Accepted and logged in: the user, their accounts and the CSRF token',
            ...a.sessionSchema,
          },
          429: errorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const r = await claims.acceptInvitation({
        token: request.body.token,
        name: request.body.name ?? '',
        password: request.body.password,
        sourceAddress: request.ip,
      });
      if (r.session === undefined) throw new Error('claims answered no session');
      if (r.session.principal !== undefined) request.principal = r.session.principal;
      setSessionCookie(request, reply, r.session);
      return sessionView(r.session);
    },
  );
};
