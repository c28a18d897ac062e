import { type ConnectionOptions, DelayedError } from 'bullmq';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import { decoderRankEnv, hardwareDecoders } from '../../pipeline/live/hardware-decoders.ts';
import { LiveCameraJob } from '../../schemas/jobs.ts';
import {
  type CameraParts,
  LiveCameraRunner,
  type LiveCameraRunnerOptions,
} from '../live/live-camera-runner.ts';
import { LiveHealthReporter } from '../live/live-health-reporter.ts';
import { LiveSegments } from '../live/live-segments.ts';
import { jobOptions } from '../queues.ts';
import { QUEUE } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

/** The camera runner's parts (Redis, registry, progress, log, frame box, config), plus the queues'. */
export interface LiveStageOptions
  extends Pick<
    LiveCameraRunnerOptions,
    'prefix' | 'redis' | 'registry' | 'tracker' | 'logger' | 'frameBox' | 'config'
  > {
  connection: ConnectionOptions;
  host: string;
  frameFiles: FrameFiles;
  attempts: number;
  /** Segments waiting for the store before new live segments are dropped (queues.maxStoreBacklog). */
  maxStoreBacklog: number;
}

/**
 * The `live` stage: runs live cameras. Each camera is one long-running job on the `live` queue (added by
 * the CameraRegistry); the worker that holds the job's lock OWNS the camera and runs its
 * CameraSupervisor. BullMQ renews the lock every lockMs / 2; when the owner dies the lock expires,
 * another worker's stalled-job check puts the job back, and that worker takes the camera over:
 *
 *   worker A ──lock──▶ job live-cam-1 ──▶ CameraSupervisor ──segments──▶ detect@A ─▶ track ─▶ store
 *   (kill -9 A)         lock expires, job stalled → waiting
 *   worker B ──lock──▶ job live-cam-1 ──▶ CameraSupervisor ──segments──▶ detect@B ─▶ track ─▶ store
 *
 * Continuity: segments are cut on the wall-clock grid and handed over by LiveSegments, which keeps
 * the camera's chain of segments whole across owners (workers/live/live-segments.ts).
 *
 * While it runs, the owner watches its lock and the camera's entry (LiveCameraRunner); health
 * intervals, status changes and the status hash go through LiveHealthReporter.
 */
export function startLiveStage(o: LiveStageOptions): RunningStage {
  const cfg = o.config;
  const segmentMs = Math.round(cfg.extract.segmentSeconds * 1000);
  const workerName = `${o.host}:${process.pid}`;
  const featureRank = hardwareDecoders().then((hw) => {
    if (hw.length) o.logger.info({ decoders: hw }, 'live: hardware decoders preferred');
    return decoderRankEnv(hw);
  });
  const running = new Set<string>();
  const dropped = new Map<string, number>();
  const runner = new LiveCameraRunner({ ...o, segmentMs, workerName, featureRank, running, dropped });

  // Cameras re-added while their previous job was finishing get a job again (see CameraRegistry).
  const sweep = setInterval(() => {
    o.registry.ensureJobs().catch((e) => o.logger.error({ err: e }, 'live: ensureJobs failed'));
  }, 2000);

  return startStage<LiveCameraJob, { cameraId: string; stopped: 'removed' }, Output>(o, {
    name: 'live',
    queue: QUEUE.live,
    schema: LiveCameraJob,
    concurrency: cfg.live.maxCameras,
    outputs: liveOutputs(o),
    async process({ cameraId }, { job, token, outputs }) {
      const common = { redis: o.redis, prefix: o.prefix, logger: o.logger, segmentMs };
      const parts: CameraParts = {
        segments: new LiveSegments({
          ...common,
          tracker: o.tracker,
          frameFiles: o.frameFiles,
          host: o.host,
          detect: outputs.detect,
          track: outputs.track,
          tracking: cfg.tracking.enabled,
          maxPendingPerCamera: cfg.live.maxPendingSegmentsPerCamera,
          store: outputs.store,
          maxStoreBacklog: o.maxStoreBacklog,
          running,
          dropped,
        }),
        health: new LiveHealthReporter({
          ...common,
          health: outputs.health,
          alerts: outputs.alerts,
          live: cfg.live,
          workerName,
          dropped,
        }),
      };
      const ended = await runner.run(cameraId, parts, job, token);
      if (ended === 'removed') return { cameraId, stopped: 'removed' };
      if (ended === 'lost') {
        o.logger.warn(
          { camera: cameraId },
          'live: lost the camera’s lock to another worker; stopped it here',
        );
        throw new Error(`live camera ${cameraId}: lock lost to another worker`);
      }
      // Shutdown: hand the camera back at once (delayed, not failed) so another worker takes it.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError(`live camera ${cameraId} handed back at shutdown`);
    },
    describe: (data) => ({ camera: data.cameraId }),
    worker: {
      lockDuration: cfg.live.lockMs,
      stalledInterval: Math.max(500, Math.round(cfg.live.lockMs / 2)),
      // A camera job "stalls" every time its owner dies: that is a takeover, never a reason to fail it.
      maxStalledCount: 1_000_000,
    },
    stopping() {
      clearInterval(sweep);
      runner.close();
    },
  });
}

type Output = 'detect' | 'track' | 'health' | 'alerts' | 'store';

/** Where a live camera's segments, health rows and events go. */
function liveOutputs(o: LiveStageOptions) {
  return {
    detect: { queue: QUEUE.detect(o.host), jobOptions: jobOptions(o.attempts) },
    track: { queue: QUEUE.track, jobOptions: jobOptions(o.attempts) },
    health: { queue: QUEUE.health, jobOptions: jobOptions(o.attempts) },
    alerts: { queue: QUEUE.alerts, jobOptions: jobOptions(o.attempts) },
    // Only watched: live cameras drop segments while the store is behind.
    store: { queue: QUEUE.store },
  };
}
