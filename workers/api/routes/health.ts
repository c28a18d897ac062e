import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});

/** Readiness answers within a second: a check that takes longer has failed. */
const CHECK_MS = 1000;

function within<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_MS} ms`)), CHECK_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

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
        within(app.ctx.store.query('SELECT 1 AS ok'))
          .then(() => (checks.clickhouse = 'ok'))
          .catch((e: Error) => (checks.clickhouse = e.message)),
        // A connection that is not up answers at once: its commands would wait for Redis to return.
        (app.ctx.redis.status === 'ready'
          ? within(app.ctx.redis.ping())
          : Promise.reject(new Error(`not connected (${app.ctx.redis.status})`))
        )
          .then(() => (checks.redis = 'ok'))
          .catch((e: Error) => (checks.redis = e.message)),
      ]);
      const ok = Object.values(checks).every((v) => v === 'ok');
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
    },
  );
}
