import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../plugins/auth.ts';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board (queue inspection, retries, cleaning) at /admin/queues, for admin keys only. A browser
 * sends the key by HTTP Basic auth (any user name, the key as password): a 401 here asks for it.
 * The queue list is refreshed on each visit, so a new host's `detect@<host>` queue appears.
 */
export async function bullBoardRoutes(app: FastifyInstance) {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(BULL_BOARD_PATH);
  const board = createBullBoard({ queues: [], serverAdapter: adapter });
  const adminOnly = requireRole(app.ctx.keys);
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        await adminOnly.call(scope, request, reply, () => {});
        if (reply.sent) return reply;
        if (!request.url.includes('/static/')) {
          board.replaceQueues((await app.ctx.queues.all()).map((q) => new BullMQAdapter(q)));
        }
      });
      scope.addHook('onSend', async (_request, reply, payload) => {
        if (reply.statusCode === 401) reply.header('www-authenticate', 'Basic realm="cityflow admin"');
        return payload;
      });
      await scope.register(adapter.registerPlugin());
    },
    { prefix: BULL_BOARD_PATH },
  );
}
