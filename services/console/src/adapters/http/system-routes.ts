import type { FastifyPluginAsync } from 'fastify';
import { consoleErrors } from '../../domain/errors.js';
import { errorResponse } from './openapi.js';

export interface SystemRoutesDeps {
  readonly biPublicUrl: string | undefined;
}

/** `/api/v1/system/*`: read-only facts about this installation that clients (the CLI's bundles) need. */
export const systemRoutes: FastifyPluginAsync<SystemRoutesDeps> = async (app, deps) => {
  app.get(
    '/api/v1/system/bi',
    {
      schema: {
        operationId: 'getBiEndpoint',
        tags: ['system'],
        description:
          'The public URL of the Backend Interfaces (JOINERY_BI_PUBLIC_URL): what network server configurations name. 404 when it is not known.',
        summary: 'Where network servers reach the Backend Interfaces (JOINERY_BI_PUBLIC_URL)',
        security: [{ bearer: [] }],
        response: {
          200: {
            description: 'The public BI URL',
            type: 'object',
            required: ['publicUrl'],
            additionalProperties: false,
            properties: { publicUrl: { type: 'string' } },
          },
          404: errorResponse('`not_found`: this installation does not know its public BI URL'),
        },
      },
    },
    async () => {
      if (deps.biPublicUrl === undefined) throw consoleErrors.not_found();
      return { publicUrl: deps.biPublicUrl };
    },
  );
};
