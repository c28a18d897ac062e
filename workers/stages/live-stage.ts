import { type ConnectionOptions, DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import { CameraSupervisor } from '../../pipeline/live/camera-supervisor.ts';
import { decoderRankEnv, hardwareDecoders } from '../../pipeline/live/hardware-decoders.ts';
import { motionSteps } from '../../pipeline/motion/motion-sampler.ts';
import type { CameraConfig, Config } from '../../schemas/config.ts';
import { LiveCameraJob } from '../../schemas/jobs.ts';
import type { CameraRegistry } from '../live/camera-registry.ts';
import { LiveHealthReporter } from '../live/live-health-reporter.ts';
import { LiveSegments, liveSourceId } from '../live/live-segments.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions } from '../queues.ts';
import { QUEUE, redisKeys } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

export interface LiveStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  host: string;
  redis: Redis;
  registry: CameraRegistry;
  tracker: SourceTracker;
  frameFiles: FrameFiles;
  /** The box frames are scaled into: the detector's input size. */
  frameBox: { width: number; height: number };
  config: Pick<Config, 'live' | 'extract' | 'tracking'>;
  attempts: number;
  logger: Logger;
}

const POLL_MS = 500;

/** How a camera job ended on this worker. */
type Ended = 'removed' | 'lost' | 'closing';

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
 * Every POLL_MS the owner checks that it still holds the lock (a worker whose event loop stalled
 * past the lock must not run the camera beside its new owner), re-reads the camera's entry (changed:
 * restart this camera only; removed: stop and complete the job) and writes the live status hash.
 * Health intervals, status changes and the status hash go through LiveHealthReporter.
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
  const pause = new Pause();
  let closing = false;

  // Cameras re-added while their previous job was finishing get a job again (see CameraRegistry).
  const sweep = setInterval(() => {
    o.registry.ensureJobs().catch((e) => o.logger.error({ err: e }, 'live: ensureJobs failed'));
  }, 2000);

  /** One camera's supervisor, its segments and health wired to the job graph. */
  function supervise(cam: CameraConfig, parts: CameraParts, afterSegment: number, rank: string) {
    let first = true;
    // The tracker's motion rate, as for files (workers/extract-job.ts).
    const steps = cfg.tracking.enabled ? motionSteps(cam.fps ?? cfg.extract.fps, cfg.tracking.motionFps) : 0;
    const sup = new CameraSupervisor(
      {
        cameraId: cam.id,
        uri: cam.source,
        fps: cam.fps ?? cfg.extract.fps,
        maxWidth: o.frameBox.width,
        maxHeight: o.frameBox.height,
        rtspTransport: cam.rtspTransport,
        watchdogMs: cam.watchdogMs,
        frozenAfterMs: (cam.frozenAfterS ?? 10) * 1000,
        backoff: { initialMs: Math.min(250, cfg.live.restartMaxMs), maxMs: cfg.live.restartMaxMs },
        segmentMs,
        healthReportMs: cfg.live.healthReportS * 1000,
        featureRank: rank,
        afterSegment,
        ...(cam.roi ? { roi: cam.roi } : {}),
        ...(steps ? { motionSteps: steps } : {}),
      },
      {
        segment: async (seg) => {
          if (await parts.segments.send(cam, seg, first)) first = false;
        },
        health: (u) => parts.health.record(cam.id, u),
        log: (msg, fields) => o.logger.info(fields, msg),
      },
    );
    sup.start();
    return sup;
  }

  /**
   * Runs one camera until it is removed, its lock is lost, or the worker closes. Every POLL_MS:
   * close a long outage's open measures once, check the lock, follow the camera's entry, write status.
   */
  async function runCamera(cameraId: string, parts: CameraParts, job: Job, token: string | undefined) {
    let raw = await o.registry.raw(cameraId);
    if (raw === null) return 'removed' as const;
    const lockKey = redisKeys(o.prefix).jobLock(QUEUE.live, String(job.id));
    const rank = await featureRank;
    await o.tracker.upgradeKeys(liveSourceId(cameraId));
    let cam = JSON.parse(raw) as CameraConfig;
    let sup = supervise(cam, parts, await parts.segments.last(cameraId), rank);
    running.add(cameraId);
    dropped.delete(cameraId);
    o.logger.info({ camera: cameraId, worker: workerName }, 'live: camera taken');
    let ended: Ended = 'closing';
    // The outage (its start) whose open measures were closed, so each is closed once.
    let closedOutage: number | null = null;
    try {
      for (;;) {
        await pause.sleep(POLL_MS);
        if (closing) break;
        const snap = sup.snapshot();
        const longOffline =
          snap.status === 'offline' &&
          closedOutage !== snap.sinceMs &&
          Date.now() - snap.sinceMs >= cfg.live.closeAfterOfflineS * 1000;
        if (longOffline && (await parts.segments.closeSource(cam, false))) {
          closedOutage = snap.sinceMs;
          o.logger.info({ camera: cameraId }, 'live: camera offline for long; its open measures closed');
        }
        if ((await o.redis.get(lockKey)) !== token) {
          ended = 'lost';
          break;
        }
        const now = await o.registry.raw(cameraId);
        if (now === null) {
          ended = 'removed';
          break;
        }
        if (now !== raw) {
          o.logger.info({ camera: cameraId }, 'live: camera changed; restarting it');
          await sup.stop();
          raw = now;
          cam = JSON.parse(raw) as CameraConfig;
          sup = supervise(cam, parts, await parts.segments.last(cameraId), rank);
        }
        await parts.health.writeStatus(cameraId, sup);
      }
    } finally {
      await sup.stop();
      running.delete(cameraId);
    }
    if (ended === 'removed') {
      await parts.segments.closeSource(cam, true);
      await parts.health.clearStatus(cameraId);
      o.logger.info({ camera: cameraId }, 'live: camera removed');
    }
    return ended;
  }

  return startStage<LiveCameraJob, { cameraId: string; stopped: 'removed' }, Output>(o, {
    name: 'live',
    queue: QUEUE.live,
    schema: LiveCameraJob,
    concurrency: cfg.live.maxCameras,
    outputs: {
      detect: { queue: QUEUE.detect(o.host), jobOptions: jobOptions(o.attempts) },
      track: { queue: QUEUE.track, jobOptions: jobOptions(o.attempts) },
      health: { queue: QUEUE.health, jobOptions: jobOptions(o.attempts) },
      alerts: { queue: QUEUE.alerts, jobOptions: jobOptions(o.attempts) },
    },
    async process({ cameraId }, { job, token, outputs }) {
      const common = { redis: o.redis, prefix: o.prefix, logger: o.logger, segmentMs };
      const parts: CameraParts = {
        segments: new LiveSegments({
          ...common,
          tracker: o.tracker,
          frameFiles: o.frameFiles,
          detect: outputs.detect,
          track: outputs.track,
          tracking: cfg.tracking.enabled,
          maxPendingPerCamera: cfg.live.maxPendingSegmentsPerCamera,
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
      const ended = await runCamera(cameraId, parts, job, token);
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
      closing = true;
      clearInterval(sweep);
      pause.wakeAll();
    },
  });
}

type Output = 'detect' | 'track' | 'health' | 'alerts';

/** What a camera job hands its supervisor: where segments and health go. */
interface CameraParts {
  segments: LiveSegments;
  health: LiveHealthReporter;
}

/** Sleeps that closing can cut short, so a worker's cameras stop at once. */
class Pause {
  private readonly wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }
}
