import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram } from 'prom-client';
import { requireRole } from '../plugins/auth.ts';

/**
 * GET /metrics (Prometheus text format; operator or admin key, e.g. Prometheus' `authorization`
 * bearer setting): request latency per route, queue depth per queue and state, workers per queue,
 * jobs completed and failed per stage (queue), and the process's own metrics.
 */
async function metrics(app: FastifyInstance) {
  const { registry } = app.ctx;
  const latency = new Histogram({
    name: 'cityflow_api_request_seconds',
    help: 'API request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    latency.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    {
      onRequest: requireRole(app.ctx.keys, 'operator'),
      schema: { tags: ['health'], summary: 'Prometheus metrics' },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

// Not encapsulated: the latency hook must see every route of the API.
export const metricsRoutes = fp(metrics, { name: 'cityflow-metrics' });
