import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import * as s from './schemas.js';

export interface SystemRoutesDeps {
  readonly biPublicUrl: string | undefined;
}

/** `/api/v1/system/*`: read-only facts about this installation that clients (the CLI's bundles) need. */
export const systemRoutes: FastifyPluginAsync<SystemRoutesDeps> = async (app, deps) => {
  app.get(
    '/api/v1/system/bi',
    {
      schema: {
        summary: 'Where network servers reach the Backend Interfaces (JOINERY_BI_PUBLIC_URL)',
        security: [{ bearer: [] }],
        response: {
          200: {
            type: 'object',
            required: ['publicUrl'],
            additionalProperties: false,
            properties: { publicUrl: { type: 'string' } },
          },
          401: s.errorSchema,
          404: s.errorSchema,
        },
      },
    },
    async () => {
      if (deps.biPublicUrl === undefined) throw consoleErrors.not_found();
      return { publicUrl: deps.biPublicUrl };
    },
  );
};
