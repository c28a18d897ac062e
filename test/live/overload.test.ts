import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { DetectJob } from '../../schemas/jobs.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { redisConnection } from '../../workers/queues.ts';
import { QUEUE, redisKeys } from '../../workers/redis-keys.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { fileLaunch, RtspTestServer, rtspServerBuildable } from '../helpers/rtsp-server.ts';

const unbuildable = await rtspServerBuildable();
const redisUrl = inject('redisUrl');

// A live camera whose detection falls behind (here: no detect stage at all) must not grow the detect
// queue and the frames folder without bound: past live.maxPendingSegmentsPerCamera, new segments are
// dropped and counted in the camera's status.
describe.skipIf(unbuildable !== null)(`live overload guard (${unbuildable ?? 'a real RTSP server'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-overload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drops segments past the limit, keeps the queue bounded, and reports the drops', async () => {
    const prefix = `overload${Date.now()}`;
    const server = await RtspTestServer.start(fileLaunch(SAMPLE));
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const detectQueue = new Queue<DetectJob>(QUEUE.detect('overloadhost'), {
      connection: redisConnection(redisUrl),
      prefix,
    });
    const node = await PipelineNode.start({
      config: normaliseConfig(
        {
          dataDir: join(dir, 'data'),
          host: 'overloadhost',
          queuePrefix: prefix,
          extract: { fps: 2, segmentSeconds: 1 },
          live: { restartMaxMs: 1000, maxPendingSegmentsPerCamera: 2 },
        },
        'overload.json',
      ),
      redisUrl,
      stages: ['live'],
    });
    try {
      await node.liveCameras.put({ id: 'busy', source: server.url });
      const deadline = Date.now() + 20_000;
      let dropped = 0;
      while (Date.now() < deadline && dropped < 3) {
        await new Promise((r) => setTimeout(r, 250));
        dropped = Number((await redis.hget(redisKeys(prefix).health('busy'), 'droppedSegments')) ?? 0);
        // Never more than the limit queued (one more may be on its way when the count is read).
        expect(await detectQueue.count()).toBeLessThanOrEqual(3);
      }
      expect(dropped).toBeGreaterThanOrEqual(3);
      expect(await detectQueue.count()).toBeGreaterThanOrEqual(2);
    } finally {
      await node.close();
      await server.close();
      await detectQueue.close();
      redis.disconnect();
    }
  }, 60_000);
});
