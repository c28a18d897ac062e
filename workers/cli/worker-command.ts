import { loadConfig } from '../../pipeline/config/load-config.ts';
import { onShutdown } from '../local/local-mode.ts';
import { logger } from '../logger.ts';
import { PipelineNode } from '../pipeline-node.ts';
import { parseStages } from '../queues.ts';

/** `cityflow worker --stages extract,detect`: some stages against a shared Redis (REDIS_URL or redisUrl). */
export async function workerCommand(opts: { config: string; stages: string }) {
  const cfg = loadConfig(opts.config);
  const stages = parseStages(opts.stages);
  if (!cfg.redisUrl)
    throw new Error('worker needs a shared Redis: set REDIS_URL or redisUrl in the configuration');
  // A worker waits for a store server that is not up yet, as it waits for Redis.
  const node = await PipelineNode.start({ config: cfg, redisUrl: cfg.redisUrl, stages, waitForStore: true });
  onShutdown(() => node.close());
  logger.info({ stages, host: node.host }, 'worker running; Ctrl-C stops');
}
