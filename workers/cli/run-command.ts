import { loadConfig } from '../../pipeline/config/load-config.ts';
import { isLiveSource } from '../../pipeline/live/live-source.ts';
import { ForecastRefresher } from '../forecast/forecast-refresher.ts';
import { onShutdown, resolveRedis } from '../local/local-mode.ts';
import { serveStore } from '../local/store-owner.ts';
import { logger } from '../logger.ts';
import { PipelineNode } from '../pipeline-node.ts';
import { parseStages, STAGES } from '../queues.ts';
import { processSources } from './process-sources.ts';
import { formatSummary } from './summary.ts';

/**
 * `cityflow run --config <file>`: all stages in this process, for the configured cameras. Stays up
 * (serving `cityflow query` for the embedded store) until stopped, unless --exit-when-done.
 */
export async function runCommand(opts: { config: string; exitWhenDone?: boolean; stages?: string }) {
  const cfg = loadConfig(opts.config);
  const stages = opts.stages ? parseStages(opts.stages) : STAGES;
  if (!stages.includes('store')) {
    throw new Error(
      '--stages: run owns the store, so its stages must include store (run the others with `cityflow worker`)',
    );
  }
  if (cfg.tracking.enabled && !stages.includes('track')) {
    logger.warn(
      { stages },
      'tracking is on but this process does not run the track stage: run it elsewhere ' +
        '(`cityflow worker --stages track`), or segments wait in the track queue',
    );
  }
  if (opts.exitWhenDone) {
    const summary = await processSources(cfg, cfg.cameras, {
      progress: process.stderr.isTTY === true,
      stages,
    });
    process.stdout.write(`${formatSummary(summary)}\n`);
    if (summary.failures.length) process.exitCode = 1;
    return;
  }
  const redis = await resolveRedis(cfg);
  const node = await PipelineNode.start({ config: cfg, redisUrl: redis.url, stages });
  const owner =
    node.clickhouse?.mode === 'embedded' ? await serveStore(node.clickhouse.client, cfg.dataDir) : null;
  // The store's owner refreshes the forecasts every 15 minutes (workers/forecast/).
  const forecasts = node.clickhouse
    ? new ForecastRefresher(node.clickhouse.client, { losDensity: cfg.measures.losDensity }).start()
    : null;
  onShutdown(async () => {
    await forecasts?.stop();
    await owner?.close();
    await node.close();
    await redis.stop();
  });
  // Scenes set through the API win over the file's (workers/cameras/register-cameras.ts).
  const cameras = await node.registerCameras(cfg.cameras);
  for (const cam of cameras) {
    if (isLiveSource(cam.source)) continue; // live cameras: below
    try {
      const src = await node.submitFile(cam);
      logger.info({ camera: cam.id, sourceId: src.sourceId }, 'source queued');
    } catch (e) {
      logger.error({ camera: cam.id, source: cam.source }, (e as Error).message);
    }
  }
  // Live cameras run as long as they are configured; SIGHUP re-reads the file and applies the
  // difference (cameras added, changed, removed) without touching the others.
  const live = await node.liveCameras.reconcile(cameras);
  if (cameras.some((c) => isLiveSource(c.source))) logger.info(live, 'live cameras');
  process.on('SIGHUP', () => {
    (async () => {
      const live = loadConfig(opts.config).cameras.filter((c) => isLiveSource(c.source));
      const next = await node.registerCameras(live);
      logger.info(await node.liveCameras.reconcile(next), 'SIGHUP: live cameras reconciled');
    })().catch((e) => logger.error({ err: e }, `SIGHUP: configuration not applied: ${(e as Error).message}`));
  });
  logger.info(
    { cameras: cfg.cameras.length, redis: redis.local ? 'local' : 'external' },
    'pipeline running; Ctrl-C stops',
  );
}
