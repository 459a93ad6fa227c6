import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** `/metrics` (Prometheus), `/healthz` (process up) and `/readyz` (dependencies answer) on their own port. */
export function buildMetricsApp(registry: Registry, ready: () => Promise<boolean>): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    (await ready().catch(() => false)) ? { status: 'ready' } : reply.code(503).send({ status: 'not_ready' }),
  );
  return app;
}
