import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});

/**
 * /health: the process answers (liveness). /ready: ClickHouse and Redis answer (readiness; 503 with
 * the failing check named otherwise). Neither needs a key, for load balancers and orchestrators.
 */
export async function healthRoutes(app: FastifyInstance) {
  app.get('/health', { schema: { tags: ['health'], security: [], response: { 200: Health } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/ready',
    { schema: { tags: ['health'], security: [], response: { 200: Health, 503: Health } } },
    async (_request, reply) => {
      const checks: Record<string, string> = {};
      await Promise.all([
        app.ctx.store
          .query('SELECT 1 AS ok')
          .then(() => (checks.clickhouse = 'ok'))
          .catch((e: Error) => (checks.clickhouse = e.message)),
        app.ctx.redis
          .ping()
          .then(() => (checks.redis = 'ok'))
          .catch((e: Error) => (checks.redis = e.message)),
      ]);
      const ok = Object.values(checks).every((v) => v === 'ok');
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
    },
  );
}
