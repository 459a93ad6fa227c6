import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import * as a from './access-schemas.js';
import { clearSessionCookie, sessionView, setSessionCookie } from './access-views.js';
import { bearer, errors, principalOf, type ApiRoutesDeps } from './route-support.js';
import { errorSchema } from './schemas.js';

const session = [{ session: [] }];
const noContent = (description: string) => ({ type: 'null', description }) as const;

/** Login sessions (cookie `joinery_session`) and operator users. */
export const authRoutes: FastifyPluginAsync<ApiRoutesDeps> = async (app, { claims }) => {
  const sessionOf = (request: FastifyRequest) => {
    if (request.session === undefined) throw consoleErrors.session_required();
    return request.session;
  };

  app.post<{ Body: a.LoginBody }>(
    '/api/v1/auth/login',
    {
      config: {
        public: true,
        audit: {
          action: 'user.logged-in',
          targetType: 'user',
          targetId: (c) => (c.response['user'] as { id?: string } | undefined)?.id,
        },
      },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Log in with email and password',
        description:
          'Sets the session cookie (HttpOnly, SameSite=Strict) and answers the user, its accounts and the CSRF ' +
          'token to send as X-CSRF-Token with every change. A wrong email or password is the same 401; attempts ' +
          'are limited per email and per source address (429 with Retry-After).',
        security: [],
        body: a.loginBody,
        response: {
          200: { description: 'Logged in: the user, their accounts and the CSRF token', ...a.sessionSchema },
          429: errorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const login = await claims.login({
        email: request.body.email,
        password: request.body.password,
        sourceAddress: request.ip,
      });
      if (login.principal !== undefined) request.principal = login.principal;
      setSessionCookie(request, reply, login);
      return sessionView(login);
    },
  );

  app.get(
    '/api/v1/auth/session',
    {
      config: { scope: 'session', audit: false },
      schema: {
        operationId: 'getSession',
        tags: ['auth'],
        summary: 'The session: its user, accounts and CSRF token',
        description: 'Answers like login, for the session the cookie names (401 without one).',
        security: session,
        response: {
          200: {
            description: 'The session: the user, their accounts and the CSRF token',
            ...a.sessionSchema,
          },
          ...errors,
        },
      },
    },
    async (request) => {
      return sessionView(sessionOf(request).answer);
    },
  );

  for (const [path, everywhere, operationId, summary] of [
    ['/api/v1/auth/logout', false, 'logout', 'End this session'],
    ['/api/v1/auth/logout-all', true, 'logoutAll', 'End every session of the user, on every device'],
  ] as const)
    app.post(
      path,
      {
        config: {
          scope: 'session',
          audit: {
            action: everywhere ? 'user.logged-out-everywhere' : 'user.logged-out',
            targetType: 'user',
            targetId: () => undefined,
          },
        },
        schema: {
          operationId,
          tags: ['auth'],
          summary,
          description: 'Needs the session cookie and X-CSRF-Token; clears the cookie.',
          security: session,
          response: { 204: noContent('logged out'), ...errors },
        },
      },
      async (request, reply) => {
        await claims.logout({ sessionToken: sessionOf(request).token, everywhere });
        clearSessionCookie(request, reply);
        return reply.code(204).send();
      },
    );

  app.put<{ Body: a.PasswordBody }>(
    '/api/v1/auth/password',
    {
      config: {
        scope: 'session',
        audit: { action: 'user.password-changed', targetType: 'user', targetId: () => undefined },
      },
      schema: {
        operationId: 'changePassword',
        tags: ['auth'],
        summary: "Change the session user's password",
        description:
          'Checks the current password (limited like a login), sets the new one (at least 12 characters) and ends ' +
          'every other session of the user.',
        security: session,
        body: a.passwordBody,
        response: { 204: noContent('changed'), 429: errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      await claims.changePassword({
        sessionToken: sessionOf(request).token,
        currentPassword: request.body.currentPassword,
        newPassword: request.body.newPassword,
        sourceAddress: request.ip,
      });
      return reply.code(204).send();
    },
  );

  app.post<{ Body: a.OperatorUserBody }>(
    '/api/v1/operator/users',
    {
      config: {
        scope: 'admin',
        audit: {
          action: 'user.created',
          targetType: 'user',
          targetId: (c) => (typeof c.response['id'] === 'string' ? c.response['id'] : undefined),
          details: (c) => ({
            email: typeof c.response['email'] === 'string' ? c.response['email'] : null,
            operator: c.response['operator'] === true,
          }),
        },
      },
      schema: {
        operationId: 'createOperatorUser',
        tags: ['operator'],
        summary: 'Create a user who logs in (admin token or operator)',
        description:
          'An operator user (`operator`, default true) can do what the admin token can. The password (at least 12 ' +
          'characters) is stored as a scrypt hash.',
        security: bearer,
        body: a.operatorUserBody,
        response: { 201: { description: 'The operator user', ...a.userSchema }, ...errors },
      },
    },
    async (request, reply) => {
      const { user } = await claims.createUser({
        principal: principalOf(request),
        email: request.body.email,
        name: request.body.name,
        password: request.body.password,
        operator: request.body.operator ?? true,
      });
      return reply.code(201).send({
        id: user?.id ?? '',
        email: user?.email ?? '',
        name: user?.name ?? '',
        operator: user?.operator ?? false,
      });
    },
  );
};
