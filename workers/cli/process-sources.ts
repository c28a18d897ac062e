import cliProgress from 'cli-progress';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import type { CameraConfig, Config } from '../../schemas/config.ts';
import { resolveRedis } from '../local/local-mode.ts';
import { serveStore } from '../local/store-owner.ts';
import { PipelineNode } from '../pipeline-node.ts';
import type { SourceState } from '../progress/source-tracker.ts';
import { STAGES, type Stage } from '../queues.ts';
import { type RunSummary, type SourceFailure, summarise } from './summary.ts';

/**
 * Runs the pipeline in this process (all stages, or `stages`, which must include 'store': this
 * process owns ClickHouse) over the given file cameras, waits for them, and summarises from
 * ClickHouse. Stages not run here are expected in `cityflow worker` processes on the same Redis.
 * A source that cannot be read is reported and the others go on.
 */
export async function processSources(
  cfg: Config,
  cameras: CameraConfig[],
  opts: { progress: boolean; stages?: readonly Stage[] },
): Promise<RunSummary> {
  const redis = await resolveRedis(cfg);
  const node = await PipelineNode.start({
    config: cfg,
    redisUrl: redis.url,
    stages: opts.stages ?? STAGES,
  });
  const clickhouse = node.clickhouse as ClickHouseHandle; // a node running 'store' has it open
  const owner = clickhouse.mode === 'embedded' ? await serveStore(clickhouse.client, cfg.dataDir) : null;
  try {
    const t0 = performance.now();
    const failures: SourceFailure[] = [];
    const ids: string[] = [];
    // Scenes set through the API win over the file's (workers/cameras/register-cameras.ts).
    for (const cam of await node.registerCameras(cameras)) {
      try {
        ids.push((await node.submitFile(cam)).sourceId);
      } catch (e) {
        failures.push({ source: cam.source, error: (e as Error).message });
      }
    }
    const bar = opts.progress ? progressBar() : null;
    const states = await node.waitFor(ids, (s) => bar?.update(s));
    bar?.stop();
    // The segments' events are recorded by the alert stage, just behind the store: let it finish.
    await node.drainAlerts(10_000);
    const wall = (performance.now() - t0) / 1000;
    const fps = cameras[0]?.fps ?? cfg.extract.fps;
    return await summarise(clickhouse, states, failures, wall, fps);
  } finally {
    await owner?.close();
    await node.close();
    await redis.stop();
  }
}

function progressBar() {
  const bar = new cliProgress.SingleBar(
    {
      format: '  {bar} {value} frames stored, {segments} segments  {speed} frames/s',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  let started = false;
  return {
    update(states: SourceState[]) {
      const stored = states.reduce((n, s) => n + s.framesStored, 0);
      const emitted = states.reduce((n, s) => n + s.framesEmitted, 0);
      const segments = states.reduce((n, s) => n + s.stored, 0);
      const speed = (stored / ((performance.now() - t0) / 1000)).toFixed(1);
      if (!started) {
        bar.start(Math.max(emitted, 1), stored, { segments, speed });
        started = true;
      }
      bar.setTotal(Math.max(emitted, stored, 1));
      bar.update(stored, { segments, speed });
    },
    stop: () => started && bar.stop(),
  };
}
