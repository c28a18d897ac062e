import type { Job } from 'bullmq';
import { CameraSupervisor } from '../../pipeline/live/camera-supervisor.ts';
import { motionSteps } from '../../pipeline/motion/motion-sampler.ts';
import type { CameraConfig, Config } from '../../schemas/config.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import type { RedisClient } from '../redis-client.ts';
import { QUEUE, redisKeys } from '../redis-keys.ts';
import type { CameraRegistry } from './camera-registry.ts';
import type { LiveHealthReporter } from './live-health-reporter.ts';
import { type LiveSegments, liveSourceId } from './live-segments.ts';

const POLL_MS = 500;

/** How a camera job ended on this worker. */
export type LiveCameraEnd = 'removed' | 'lost' | 'closing';

/** Where one camera's segments and health go (made per camera job, on the stage's queues). */
export interface CameraParts {
  segments: LiveSegments;
  health: LiveHealthReporter;
}

export interface LiveCameraRunnerOptions {
  prefix: string;
  redis: RedisClient;
  registry: CameraRegistry;
  tracker: SourceTracker;
  logger: Logger;
  /** The box frames are scaled into: the detector's input size. */
  frameBox: { width: number; height: number };
  config: Pick<Config, 'live' | 'extract' | 'tracking'>;
  segmentMs: number;
  workerName: string;
  /** GStreamer's decoder ranking (hardware decoders first), found once per process. */
  featureRank: Promise<string>;
  /** Live cameras this worker runs now (shared with LiveSegments' overload limit). */
  running: Set<string>;
  dropped: Map<string, number>;
}

/**
 * Runs the cameras whose jobs this worker owns, one `run` per camera job, until the camera is
 * removed, its lock is lost to another worker, or the worker closes. Every POLL_MS the owner:
 *   - closes a long outage's open measures, once per outage (LiveSegments.closeSource);
 *   - checks that it still holds the job's lock (a worker whose event loop stalled past the lock
 *     must not run the camera beside its new owner);
 *   - re-reads the camera's entry: changed → restart this camera only; removed → stop;
 *   - writes the camera's status hash.
 */
export class LiveCameraRunner {
  private closing = false;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly o: LiveCameraRunnerOptions) {}

  /** Stops every camera loop at once (their supervisors stop as the loops end). */
  close(): void {
    this.closing = true;
    for (const w of [...this.wakers]) w();
  }

  async run(
    cameraId: string,
    parts: CameraParts,
    job: Job,
    token: string | undefined,
  ): Promise<LiveCameraEnd> {
    const o = this.o;
    let raw = await o.registry.raw(cameraId);
    if (raw === null) return 'removed';
    const lockKey = redisKeys(o.prefix).jobLock(QUEUE.live, String(job.id));
    const rank = await o.featureRank;
    await o.tracker.upgradeKeys(liveSourceId(cameraId));
    let cam = JSON.parse(raw) as CameraConfig;
    let sup = this.supervise(cam, parts, await parts.segments.last(cameraId), rank);
    o.running.add(cameraId);
    o.dropped.delete(cameraId);
    o.logger.info({ camera: cameraId, worker: o.workerName }, 'live: camera taken');
    let ended: LiveCameraEnd = 'closing';
    // The outage (its start) whose open measures were closed, so each is closed once.
    let closedOutage: number | null = null;
    try {
      for (;;) {
        await this.sleep(POLL_MS);
        if (this.closing) break;
        const snap = sup.snapshot();
        const longOffline =
          snap.status === 'offline' &&
          closedOutage !== snap.sinceMs &&
          Date.now() - snap.sinceMs >= o.config.live.closeAfterOfflineS * 1000;
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
          sup = this.supervise(cam, parts, await parts.segments.last(cameraId), rank);
        }
        await parts.health.writeStatus(cameraId, sup);
      }
    } finally {
      await sup.stop();
      o.running.delete(cameraId);
    }
    if (ended === 'removed') {
      await parts.segments.closeSource(cam, true);
      await parts.health.clearStatus(cameraId);
      o.logger.info({ camera: cameraId }, 'live: camera removed');
    }
    return ended;
  }

  /** One camera's supervisor, started, its segments and health wired to the job graph. */
  private supervise(
    cam: CameraConfig,
    parts: CameraParts,
    afterSegment: number,
    rank: string,
  ): CameraSupervisor {
    const cfg = this.o.config;
    let first = true;
    // The tracker's motion rate, as for files (workers/extract-job.ts).
    const steps = cfg.tracking.enabled ? motionSteps(cam.fps ?? cfg.extract.fps, cfg.tracking.motionFps) : 0;
    const sup = new CameraSupervisor(
      {
        cameraId: cam.id,
        uri: cam.source,
        fps: cam.fps ?? cfg.extract.fps,
        maxWidth: this.o.frameBox.width,
        maxHeight: this.o.frameBox.height,
        rtspTransport: cam.rtspTransport,
        watchdogMs: cam.watchdogMs,
        frozenAfterMs: (cam.frozenAfterS ?? 10) * 1000,
        backoff: { initialMs: Math.min(250, cfg.live.restartMaxMs), maxMs: cfg.live.restartMaxMs },
        segmentMs: this.o.segmentMs,
        healthReportMs: cfg.live.healthReportS * 1000,
        featureRank: rank,
        afterSegment,
        ...(cam.roi ? { roi: cam.roi } : {}),
        ...(steps ? { motionSteps: steps } : {}),
        // Plates are read on tracks, from frames at the source's resolution.
        ...(cam.plates && cfg.tracking.enabled ? { keepSource: true } : {}),
      },
      {
        segment: async (seg) => {
          if (await parts.segments.send(cam, seg, first)) first = false;
        },
        health: (u) => parts.health.record(cam.id, u),
        log: (msg, fields) => this.o.logger.info(fields, msg),
      },
    );
    sup.start();
    return sup;
  }

  /** A sleep that close() cuts short. */
  private sleep(ms: number): Promise<void> {
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
}
