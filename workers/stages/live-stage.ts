import { createHash } from 'node:crypto';
import { type ConnectionOptions, DelayedError, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HealthEvent, HealthUpdate } from '../../pipeline/live/camera-health.ts';
import { CameraSupervisor, type LiveCameraFrame } from '../../pipeline/live/camera-supervisor.ts';
import { decoderRankEnv, hardwareDecoders } from '../../pipeline/live/hardware-decoders.ts';
import type { LiveSegment } from '../../pipeline/live/wall-clock-segmenter.ts';
import { motionSteps } from '../../pipeline/motion/motion-sampler.ts';
import type { CameraConfig, Config } from '../../schemas/config.ts';
import type { EventRecord, Severity } from '../../schemas/events.ts';
import type { CameraHealthRow, LiveCameraStatus } from '../../schemas/health.ts';
import { type DetectJob, type StoreJob, segmentKey } from '../../schemas/jobs.ts';
import type { FrameFiles } from '../frames/frame-files.ts';
import type { CameraRegistry, LiveCameraJob } from '../live/camera-registry.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions } from '../queues.ts';
import { jobId, QUEUE, redisKeys } from '../redis-keys.ts';

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

/** A live camera's source id: one per camera, so tracking and the segment ledger continue across restarts. */
export function liveSourceId(cameraId: string): string {
  return `${cameraId}/live`;
}

/** The deterministic id of a camera health event: the same status change is the same event. */
export function healthEventId(cameraId: string, type: string, startedMs: number): string {
  return createHash('sha256')
    .update(`${cameraId}|${type}|${Math.round(startedMs)}`)
    .digest('hex')
    .slice(0, 32);
}

const POLL_MS = 500;

/** Every this many segments, a live source's progress sets are trimmed to the last TRIM_KEEP. */
const TRIM_EVERY = 60;
const TRIM_KEEP = 360;

/**
 * Stage `live`: runs live cameras. Each camera is one long-running job on the `live` queue (added by
 * the CameraRegistry); the worker that holds the job's lock OWNS the camera and runs its
 * CameraSupervisor. BullMQ renews the lock every lockMs / 2; when the owner dies the lock expires,
 * another worker's stalled-job check puts the job back, and that worker takes the camera over:
 *
 *   worker A ──lock──▶ job live-cam-1 ──▶ CameraSupervisor ──segments──▶ detect@A ─▶ track ─▶ store
 *   (kill -9 A)         lock expires, job stalled → waiting
 *   worker B ──lock──▶ job live-cam-1 ──▶ CameraSupervisor ──segments──▶ detect@B ─▶ track ─▶ store
 *
 * Continuity: segments are cut on the wall-clock grid and the camera's last segment index is kept in
 * Redis (`<prefix>:live:<camera>:last`), so the new owner's first segment names the old owner's last
 * one as prevSegment and the track stage carries the tracker state over. (If that segment never gets
 * tracked, because its frames were on a host that died with the owner, it is marked lost after two
 * segment lengths and tracking starts afresh, rather than waiting forever.)
 *
 * Every POLL_MS the owner checks that it still holds the lock (a worker whose event loop stalled
 * past the lock must not run the camera beside its new owner), re-reads the camera's entry (changed:
 * restart this camera only; removed: stop and complete the job) and writes the live status hash.
 * Health intervals go to the `health` queue, status changes to the alerts queue.
 */
export function startLiveStage(o: LiveStageOptions): { worker: Worker; close(): Promise<void> } {
  const cfg = o.config;
  const queueOpts = { connection: o.connection, prefix: o.prefix, defaultJobOptions: jobOptions(o.attempts) };
  const detectQueue = new Queue<DetectJob>(QUEUE.detect(o.host), queueOpts);
  const trackQueue = new Queue<StoreJob>(QUEUE.track, queueOpts);
  const healthQueue = new Queue<CameraHealthRow>(QUEUE.health, queueOpts);
  const alertsQueue = new Queue<EventRecord>(QUEUE.alerts, queueOpts);
  const segmentMs = Math.round(cfg.extract.segmentSeconds * 1000);
  const workerName = `${o.host}:${process.pid}`;
  const featureRank = hardwareDecoders().then((hw) => {
    if (hw.length) o.logger.info({ decoders: hw }, 'live: hardware decoders preferred');
    return decoderRankEnv(hw);
  });
  let closing = false;
  const wakers = new Set<() => void>();
  const keys = redisKeys(o.prefix);
  const lastKey = keys.liveLast;

  // The tracker's motion rate, as for files (workers/extract-job.ts).
  const motion = (cam: CameraConfig) =>
    cfg.tracking.enabled ? motionSteps(cam.fps ?? cfg.extract.fps, cfg.tracking.motionFps) : 0;

  function supervisor(cam: CameraConfig, afterSegment: number, rank: string): CameraSupervisor {
    const sourceId = liveSourceId(cam.id);
    let first = true;
    return new CameraSupervisor(
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
        ...(motion(cam) ? { motionSteps: motion(cam) } : {}),
      },
      {
        segment: async (seg: LiveSegment<LiveCameraFrame>) => {
          if (await overloaded()) {
            // Not queued and not the chain's last: the next segment carries on from the one before.
            dropped.set(cam.id, (dropped.get(cam.id) ?? 0) + 1);
            o.logger.warn(
              { camera: cam.id, segment: seg.index, frames: seg.frames.length },
              'live: detection is behind; segment dropped',
            );
            return;
          }
          const key = segmentKey(sourceId, seg.index);
          const written = await o.frameFiles.writeSegment(key, seg.frames);
          const prevRaw = await o.redis.get(lastKey(cam.id));
          const prev = prevRaw === null ? -1 : Number(prevRaw);
          if (first && prev >= 0 && cfg.tracking.enabled) guardOrphan(sourceId, prev);
          first = false;
          await o.tracker.emitted(sourceId, seg.index, seg.frames.length);
          // A live source never ends: fold its progress of more than TRIM_KEEP segments ago into counters.
          if (seg.index % TRIM_EVERY === 0) await o.tracker.trim(sourceId, seg.index - TRIM_KEEP);
          await detectQueue.add(
            'detect',
            {
              segmentKey: key,
              sourceId,
              cameraId: cam.id,
              segment: seg.index,
              ...written,
              prevSegment: prev,
              // Frames hold the region of interest only: boxes are shifted back into the picture.
              ...(cam.roi ? { offset: { x: cam.roi.x, y: cam.roi.y } } : {}),
              ...(cam.motionGate ? { motionGate: cam.motionGate } : {}),
              ...(cam.scene ? { scene: cam.scene } : {}),
            },
            { jobId: jobId(key) },
          );
          await o.redis.set(lastKey(cam.id), String(seg.index));
        },
        health: (u: HealthUpdate) => recordHealth(cam.id, u),
        log: (msg, fields) => o.logger.info(fields, msg),
      },
    );
  }

  /** Segments dropped per camera since this worker took it. */
  const dropped = new Map<string, number>();
  /** Live cameras this worker runs now (for the overload limit). */
  const running = new Set<string>();

  /** Whether this host's detect queue is past the overload limit for the live cameras it runs. */
  async function overloaded(): Promise<boolean> {
    const c = await detectQueue.getJobCounts('waiting', 'delayed', 'prioritized', 'paused');
    const pending = Object.values(c).reduce((a, b) => a + b, 0);
    return pending >= cfg.live.maxPendingSegmentsPerCamera * Math.max(1, running.size);
  }

  /**
   * The camera was removed, or has been offline for live.closeAfterOfflineS: a frameless last segment
   * goes to the track stage (after the camera's last one), which then closes what the camera's
   * measures still hold open: the partial 1- and 15-minute intervals, zone visits, tracks. Without it,
   * they would wait for frames that may never come. Returns whether it was sent.
   */
  async function closeSource(cam: CameraConfig, removed: boolean): Promise<boolean> {
    if (!cfg.tracking.enabled) return false;
    const sourceId = liveSourceId(cam.id);
    const prev = Number((await o.redis.get(lastKey(cam.id))) ?? -1);
    if (prev < 0) return false;
    const index = prev + 1;
    // Still inside that segment's wall-clock window, a running camera could deliver it for real:
    // wait. (A removed camera's supervisor is gone; a new one starts after this index.)
    if (!removed && Math.floor(Date.now() / segmentMs) <= index) return false;
    const key = segmentKey(sourceId, index);
    await o.tracker.emitted(sourceId, index, 0);
    await trackQueue.add(
      'track',
      {
        segmentKey: key,
        sourceId,
        cameraId: cam.id,
        segment: index,
        detector: 'none',
        frames: [],
        prevSegment: prev,
        last: true,
        ...(cam.scene ? { scene: cam.scene } : {}),
      },
      { jobId: jobId(key) },
    );
    await o.redis.set(lastKey(cam.id), String(index));
    return true;
  }

  /** The previous owner's last segment: if it is never tracked, mark it lost so the chain goes on. */
  function guardOrphan(sourceId: string, segment: number): void {
    setTimeout(async () => {
      try {
        const tracked = await o.redis.hexists(keys.trackStates(sourceId), String(segment));
        if (!tracked && !(await o.tracker.isLost(sourceId, segment))) {
          o.logger.warn(
            { sourceId, segment },
            'live: previous owner’s last segment was never tracked; tracking restarts',
          );
          await o.tracker.lost(
            sourceId,
            segment,
            'live: the previous owner stopped before this segment was tracked',
          );
        }
      } catch (e) {
        o.logger.error({ sourceId, err: e }, 'live: orphan check failed');
      }
    }, 2 * segmentMs).unref();
  }

  async function recordHealth(cameraId: string, u: HealthUpdate): Promise<void> {
    for (const i of u.intervals) {
      const row: CameraHealthRow = { cameraId, ...i, worker: workerName };
      await healthQueue.add('interval', row, {
        jobId: jobId(`${cameraId}-${i.status}-${Math.round(i.startedMs)}`),
      });
    }
    for (const e of u.events) {
      const rec = eventRecord(cameraId, e);
      await alertsQueue.add('event', rec, { jobId: rec.eventId });
      o.logger.warn({ camera: cameraId, type: e.type, reason: e.reason }, `live: ${rec.message}`);
    }
  }

  function eventRecord(cameraId: string, e: HealthEvent): EventRecord {
    const severity: Severity =
      e.type === 'camera_offline'
        ? cfg.live.offlineSeverity
        : e.type === 'camera_frozen'
          ? cfg.live.frozenSeverity
          : 'info';
    const what = {
      camera_offline: `camera ${cameraId} offline: ${e.reason}`,
      camera_online: `camera ${cameraId} back online after ${e.value.toFixed(1)} s`,
      camera_frozen: `camera ${cameraId} frozen: picture unchanged for ${e.value.toFixed(1)} s`,
      camera_unfrozen: `camera ${cameraId} picture moving again after ${e.value.toFixed(1)} s`,
    }[e.type];
    return {
      eventId: healthEventId(cameraId, e.type, e.startedMs),
      cameraId,
      tsMs: e.tsMs,
      startedMs: e.startedMs,
      type: e.type,
      ruleId: 'camera-health',
      zoneId: '',
      severity,
      value: e.value,
      trackIds: [],
      message: what,
      snapshot: '',
      details: { reason: e.reason, worker: workerName },
      sourceId: liveSourceId(cameraId),
      segment: Math.floor(e.tsMs / segmentMs),
    };
  }

  async function writeStatus(cameraId: string, sup: CameraSupervisor): Promise<void> {
    const s = sup.snapshot();
    const status: LiveCameraStatus = {
      ...s,
      droppedSegments: dropped.get(cameraId) ?? 0,
      worker: workerName,
      updatedMs: Date.now(),
    };
    const key = keys.health(cameraId);
    const fields = Object.entries(status).map(([k, v]) => [k, v === null ? '' : String(v)]);
    await o.redis
      .multi()
      .hset(key, Object.fromEntries(fields))
      .pexpire(key, Math.max(30_000, 6 * cfg.live.lockMs))
      .exec();
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      wakers.add(wake);
    });

  const worker = new Worker<LiveCameraJob>(
    QUEUE.live,
    async (job, token) => {
      const { cameraId } = job.data;
      let raw = await o.registry.raw(cameraId);
      if (raw === null) return { cameraId, stopped: 'removed' };
      const lockKey = keys.jobLock(QUEUE.live, String(job.id));
      const rank = await featureRank;
      const after = async () => Number((await o.redis.get(lastKey(cameraId))) ?? -1);
      await o.tracker.upgradeKeys(liveSourceId(cameraId));
      let sup = supervisor(JSON.parse(raw) as CameraConfig, await after(), rank);
      sup.start();
      running.add(cameraId);
      dropped.delete(cameraId);
      o.logger.info({ camera: cameraId, worker: workerName }, 'live: camera taken');
      let ended: 'removed' | 'lost' | 'closing' = 'closing';
      // The outage (its start) whose open measures were closed, so each is closed once.
      let closedOutage: number | null = null;
      try {
        for (;;) {
          await sleep(POLL_MS);
          if (closing) break;
          const snap = sup.snapshot();
          if (
            snap.status === 'offline' &&
            closedOutage !== snap.sinceMs &&
            Date.now() - snap.sinceMs >= cfg.live.closeAfterOfflineS * 1000 &&
            (await closeSource(JSON.parse(raw) as CameraConfig, false))
          ) {
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
            sup = supervisor(JSON.parse(raw) as CameraConfig, await after(), rank);
            sup.start();
          }
          await writeStatus(cameraId, sup);
        }
      } finally {
        await sup.stop();
        running.delete(cameraId);
      }
      if (ended === 'removed') {
        await closeSource(JSON.parse(raw) as CameraConfig, true);
        await o.redis.del(keys.health(cameraId));
        o.logger.info({ camera: cameraId }, 'live: camera removed');
        return { cameraId, stopped: 'removed' };
      }
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
    {
      connection: o.connection,
      prefix: o.prefix,
      concurrency: cfg.live.maxCameras,
      lockDuration: cfg.live.lockMs,
      stalledInterval: Math.max(500, Math.round(cfg.live.lockMs / 2)),
      // A camera job "stalls" every time its owner dies: that is a takeover, never a reason to fail it.
      maxStalledCount: 1_000_000,
    },
  );
  worker.on('error', (e) => o.logger.error({ stage: 'live', err: e }, 'worker error'));
  // Cameras re-added while their previous job was finishing get a job again (see CameraRegistry).
  const sweep = setInterval(() => {
    o.registry.ensureJobs().catch((e) => o.logger.error({ err: e }, 'live: ensureJobs failed'));
  }, 2000);
  return {
    worker,
    async close() {
      closing = true;
      clearInterval(sweep);
      for (const w of [...wakers]) w();
      await worker.close();
      await Promise.all([detectQueue.close(), trackQueue.close(), healthQueue.close(), alertsQueue.close()]);
    },
  };
}
