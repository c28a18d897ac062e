import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../../schemas/api/common.ts';
import { PipelineStatus } from '../../../schemas/api/status.ts';
import { redisKeys } from '../../redis-keys.ts';
import { requireRole } from '../plugins/auth.ts';

/** GET /api/v1/status: queues (depth per state, workers), cameras (last stored frame, live config). */
export async function statusRoutes(app: FastifyInstance) {
  const { keys, store, queues, redis, prefix } = app.ctx;
  app.get(
    '/status',
    {
      onRequest: requireRole(keys, 'operator'),
      schema: {
        tags: ['status'],
        summary: 'Pipeline status',
        response: { 200: PipelineStatus, ...errorResponses },
      },
    },
    async () => {
      const [queueStatus, cameras, lastFrames, live] = await Promise.all([
        queues.status(),
        store.query<{ camera_id: string; name: string }>(
          'SELECT camera_id, name FROM cameras FINAL ORDER BY camera_id',
        ),
        store.query<{ camera_id: string; last_ms: number | string }>(
          `SELECT camera_id, toUnixTimestamp64Milli(max(ts)) AS last_ms FROM frames
           WHERE ts > now64(3) - INTERVAL 7 DAY GROUP BY camera_id`,
        ),
        redis.hkeys(redisKeys(prefix).cameras),
      ]);
      const last = new Map(lastFrames.map((r) => [r.camera_id, Number(r.last_ms)]));
      const liveSet = new Set(live);
      return {
        queues: queueStatus,
        cameras: cameras.map((c) => ({
          cameraId: c.camera_id,
          name: c.name,
          lastFrameAt: last.has(c.camera_id) ? new Date(last.get(c.camera_id) as number).toISOString() : null,
          liveConfig: liveSet.has(c.camera_id),
        })),
      };
    },
  );
}
