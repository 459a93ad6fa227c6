import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';

/**
 * `/metrics` (Prometheus: the metrics of every registry given), `/healthz` (process up) and `/readyz` (dependencies
 * answer) on their own port.
 */
export function buildMetricsApp(
  registries: Registry | readonly Registry[],
  ready: () => Promise<boolean>,
): FastifyInstance {
  const app = Fastify({ logger: false });
  const all = Array.isArray(registries) ? registries : [registries as Registry];
  app.get('/metrics', async (_request, reply) => {
    const registry = all.length === 1 ? all[0]! : Registry.merge([...all]);
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    (await ready().catch(() => false)) ? { status: 'ready' } : reply.code(503).send({ status: 'not_ready' }),
  );
  return app;
}
