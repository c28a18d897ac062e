import type { Queue } from 'bullmq';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import type { LiveCameraFrame } from '../../pipeline/live/camera-supervisor.ts';
import type { LiveSegment } from '../../pipeline/live/wall-clock-segmenter.ts';
import type { CameraConfig } from '../../schemas/config.ts';
import type { RgbFrame } from '../../schemas/frame.ts';
import { type DetectJob, type StoreJob, segmentKey } from '../../schemas/jobs.ts';
import type { PlateFrames } from '../../schemas/plates.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { pending } from '../queues.ts';
import type { RedisClient } from '../redis-client.ts';
import { jobId, redisKeys } from '../redis-keys.ts';

/** A live camera's source id: one per camera, so tracking and the segment ledger continue across restarts. */
export function liveSourceId(cameraId: string): string {
  return `${cameraId}/live`;
}

/** Every this many segments, a live source's progress sets are trimmed to the last TRIM_KEEP. */
const TRIM_EVERY = 60;
const TRIM_KEEP = 360;

export interface LiveSegmentsOptions {
  redis: RedisClient;
  prefix: string;
  tracker: SourceTracker;
  frameFiles: FrameFiles;
  /** This host's name: a segment's source-resolution frames (plates) wait here for its plate stage. */
  host: string;
  logger: Logger;
  /** This host's detect queue, and the track queue (for a camera's closing segment). */
  detect: Queue<DetectJob>;
  track: Queue<StoreJob>;
  segmentMs: number;
  tracking: boolean;
  /** Overload limit: segments waiting for detection per live camera this worker runs. */
  maxPendingPerCamera: number;
  /** The store queue (watched only) and its limit: past it the store is down or behind. */
  store: Queue;
  maxStoreBacklog: number;
  /** Live cameras this worker runs now (shared by its cameras: the overload limit scales with it). */
  running: ReadonlySet<string>;
  /** Segments dropped per camera since this worker took it (shown in the camera's status). */
  dropped: Map<string, number>;
}

/**
 * Hands a live camera's segments over to the job graph, keeping its chain of segments whole:
 *
 *   supervisor ──segment n──▶ frames file + detect@<host> job (prevSegment = last) ──▶ last := n
 *
 * The camera's last segment index is kept in Redis (`<prefix>:live:<camera>:last`), so a worker that
 * takes the camera over continues the chain where the previous owner left it, and the track stage
 * carries the tracker state across. When this host's detection or the store is behind, a segment is
 * dropped (not queued, and not the chain's last: the next one carries on from the one before), and
 * counted in the camera's status (`droppedSegments`).
 *
 * @example
 *   const segments = new LiveSegments({ redis, prefix, tracker, frameFiles, logger, detect, track, ... });
 *   const queued = await segments.send(camera, segment, firstOfThisOwner);
 */
export class LiveSegments {
  private readonly keys: ReturnType<typeof redisKeys>;

  constructor(private readonly o: LiveSegmentsOptions) {
    this.keys = redisKeys(o.prefix);
  }

  /** The camera's last segment index in the chain, -1 before its first. */
  async last(cameraId: string): Promise<number> {
    const raw = await this.o.redis.get(this.keys.liveLast(cameraId));
    return raw === null ? -1 : Number(raw);
  }

  /**
   * Queues one segment for detection; returns false when it was dropped for overload. The first
   * segment of a new owner checks that the previous owner's last one gets tracked (guardOrphan).
   */
  async send(cam: CameraConfig, seg: LiveSegment<LiveCameraFrame>, firstOfOwner: boolean): Promise<boolean> {
    const o = this.o;
    const behind = await this.behind();
    if (behind) {
      o.dropped.set(cam.id, (o.dropped.get(cam.id) ?? 0) + 1);
      o.logger.warn(
        { camera: cam.id, segment: seg.index, frames: seg.frames.length },
        `live: ${behind} is behind; segment dropped`,
      );
      return false;
    }
    const sourceId = liveSourceId(cam.id);
    const key = segmentKey(sourceId, seg.index);
    const written = await o.frameFiles.writeSegment(key, seg.frames);
    const prev = await this.last(cam.id);
    if (firstOfOwner && prev >= 0 && o.tracking) this.guardOrphan(sourceId, prev);
    await o.tracker.emitted(sourceId, seg.index, seg.frames.length);
    // A live source never ends: fold its progress of more than TRIM_KEEP segments ago into counters.
    if (seg.index % TRIM_EVERY === 0) await o.tracker.trim(sourceId, seg.index - TRIM_KEEP);
    const job: DetectJob = {
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
      ...(cam.plates && o.tracking ? await this.plateFrames(cam, key, seg) : {}),
    };
    await o.detect.add('detect', job, { jobId: jobId(key) });
    await o.redis.set(this.keys.liveLast(cam.id), String(seg.index));
    return true;
  }

  /**
   * A plate camera's segment at source resolution, written beside its detector frames for the plate
   * stage; nothing when a frame lacks it or the stream changed size within the segment.
   */
  private async plateFrames(
    cam: CameraConfig,
    key: string,
    seg: LiveSegment<LiveCameraFrame>,
  ): Promise<{ plates?: PlateFrames }> {
    const sources = seg.frames.map((f) => f.source);
    const first = sources[0];
    if (
      !cam.plates ||
      !first ||
      sources.some((s) => !s || s.width !== first.width || s.height !== first.height)
    ) {
      return {};
    }
    const framesFile = await this.o.frameFiles.write(`${key}@plates`, sources as RgbFrame[]);
    return {
      plates: {
        host: this.o.host,
        framesFile,
        width: first.width,
        height: first.height,
        count: sources.length,
        offset: { x: cam.roi?.x ?? 0, y: cam.roi?.y ?? 0 },
        config: cam.plates,
      },
    };
  }

  /**
   * The camera was removed, or has been offline for live.closeAfterOfflineS: a frameless last segment
   * goes to the track stage (after the camera's last one), which then closes what the camera's
   * measures still hold open: the partial 1- and 15-minute intervals, zone visits, tracks. Without it,
   * they would wait for frames that may never come. Returns whether it was sent.
   */
  async closeSource(cam: CameraConfig, removed: boolean): Promise<boolean> {
    const o = this.o;
    if (!o.tracking) return false;
    const sourceId = liveSourceId(cam.id);
    const prev = await this.last(cam.id);
    if (prev < 0) return false;
    const index = prev + 1;
    // Still inside that segment's wall-clock window, a running camera could deliver it for real:
    // wait. (A removed camera's supervisor is gone; a new one starts after this index.)
    if (!removed && Math.floor(Date.now() / o.segmentMs) <= index) return false;
    const key = segmentKey(sourceId, index);
    await o.tracker.emitted(sourceId, index, 0);
    const job: StoreJob = {
      segmentKey: key,
      sourceId,
      cameraId: cam.id,
      segment: index,
      detector: 'none',
      frames: [],
      prevSegment: prev,
      last: true,
      ...(cam.scene ? { scene: cam.scene } : {}),
    };
    await o.track.add('track', job, { jobId: jobId(key) });
    await o.redis.set(this.keys.liveLast(cam.id), String(index));
    return true;
  }

  /**
   * What is past its limit, if anything: this host's detection (for the live cameras it runs), or
   * the store (down or behind: what waits for it must stay bounded).
   */
  private async behind(): Promise<'detection' | 'the store' | null> {
    const o = this.o;
    if ((await pending(o.detect)) >= o.maxPendingPerCamera * Math.max(1, o.running.size)) return 'detection';
    if ((await pending(o.store)) >= o.maxStoreBacklog) return 'the store';
    return null;
  }

  /**
   * The previous owner's last segment: if it is never tracked (its frames were on a host that died
   * with the owner), mark it lost after two segment lengths so the chain goes on afresh.
   */
  private guardOrphan(sourceId: string, segment: number): void {
    const o = this.o;
    setTimeout(async () => {
      try {
        const tracked = await o.redis.hexists(this.keys.trackStates(sourceId), String(segment));
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
    }, 2 * o.segmentMs).unref();
  }
}
