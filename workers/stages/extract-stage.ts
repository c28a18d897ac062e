import type { ConnectionOptions, Job, Queue } from 'bullmq';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { SourceError } from '../../pipeline/errors/source-error.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { segmentFrames } from '../../pipeline/extract/segmenter.ts';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import { type SampledFrame, sampleWithMotion } from '../../pipeline/motion/motion-sampler.ts';
import { SourceFrames } from '../../pipeline/plates/source-frames.ts';
import {
  type DetectJob,
  type ExtractJob,
  ExtractJob as ExtractJobSchema,
  type ExtractResult,
  segmentKey,
} from '../../schemas/jobs.ts';
import type { PlateFrames } from '../../schemas/plates.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions, pending } from '../queues.ts';
import { jobId, QUEUE } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

export interface ExtractStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  host: string;
  frameFiles: FrameFiles;
  tracker: SourceTracker;
  /** The box frames are scaled into: the detector's input size. */
  frameBox: { width: number; height: number };
  /** Backpressure: pause decoding while this host's detect queue holds this many segments ... */
  maxPendingSegments: number;
  /** ... or while the store queue (all hosts) holds this many (the store is down or behind). */
  maxStoreBacklog: number;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/**
 * Decode a source, sample it, cut it into segments, and queue each segment for detection
 * on this host. Runs as long as the source: one job per file (or stream).
 *
 * A source that cannot be read to its end (corrupt, truncated, not media) fails its job without
 * retries (the same bytes fail the same way) after the segments decoded before the fault are queued:
 * what was accepted is kept.
 */
export function startExtractStage(o: ExtractStageOptions): RunningStage {
  // Shutdown: an extract job runs as long as its source, so closing must not wait for it. The
  // decoders are stopped and each job is handed back to the queue (delayed, not failed: a restart is
  // not an attempt); whichever worker takes it again re-extracts, and segments already stored are
  // skipped by the store.
  let closing = false;
  const running = new Set<FrameExtractor>();

  return startStage<ExtractJob, ExtractResult, 'detect' | 'store'>(o, {
    name: 'extract',
    queue: QUEUE.extract,
    schema: ExtractJobSchema,
    concurrency: o.concurrency,
    outputs: {
      detect: { queue: QUEUE.detect(o.host), jobOptions: jobOptions(o.attempts) },
      // Only watched, for backpressure: segments are stored by the store stage.
      store: { queue: QUEUE.store },
    },
    async process(data, { job, token, outputs }) {
      await o.tracker.extracting(data.sourceId);
      const steps = data.motionSteps ?? 0;
      const extractor = new FrameExtractor({
        uri: data.uri,
        fps: data.fps * Math.max(1, steps),
        maxWidth: o.frameBox.width,
        maxHeight: o.frameBox.height,
        startTimeMs: data.startTimeMs,
        ...(data.roi ? { crop: data.roi } : {}),
        ...(data.probe ? { probed: data.probe } : {}),
      });
      running.add(extractor);
      // Cameras that read plates: a second decoder keeps the analysed frames at source resolution.
      const full = data.plates
        ? new SourceFrames({
            uri: data.uri,
            fps: data.fps,
            startTimeMs: data.startTimeMs,
            ...(data.roi ? { crop: data.roi } : {}),
            ...(data.probe ? { probed: data.probe } : {}),
          })
        : null;
      try {
        const sampled = steps ? sampleWithMotion(extractor, data.fps) : extractor;
        const room = () => hasRoom(outputs, o, () => closing);
        const segs = { detect: outputs.detect, full };
        const done = await queueSegments(o, data, sampled, segs, job, room, () => closing);
        if (closing) {
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError(`extract of ${data.sourceId} handed back at shutdown`);
        }
        await o.tracker.extractEnded(data.sourceId, null);
        return { sourceId: data.sourceId, ...done };
      } catch (e) {
        // The same bytes (or the same settings) fail the same way: no retries.
        if (e instanceof SourceError || e instanceof ConfigError) {
          throw Object.assign(new UnrecoverableError(e.message), { code: e.code });
        }
        throw e;
      } finally {
        running.delete(extractor);
        await extractor.close();
        await full?.close();
      }
    },
    describe: (data) => ({ sourceId: data.sourceId }),
    failedMessage: 'source failed extraction (segments queued before the fault are kept)',
    onFailed: (data, err) => o.tracker.extractEnded(data.sourceId, err.message),
    async stopping() {
      closing = true;
      await Promise.all([...running].map((x) => x.close()));
    },
  });
}

/**
 * Cuts the sampled frames into segments; each is written to this host's frames folder and queued
 * for detection, waiting while the detect queue is full (backpressure). Stops early when closing.
 */
async function queueSegments(
  o: ExtractStageOptions,
  data: ExtractJob,
  sampled: AsyncIterable<SampledFrame>,
  { detect, full }: { detect: Queue; full: SourceFrames | null },
  job: Job,
  waitForRoom: () => Promise<void>,
  closing: () => boolean,
): Promise<{ segments: number; frames: number }> {
  let segments = 0;
  let frames = 0;
  let prevSegment = -1;
  for await (const seg of segmentFrames<SampledFrame>(sampled, data.segmentMs)) {
    if (seg.frames.length === 0) continue;
    await waitForRoom();
    if (closing()) break;
    const key = segmentKey(data.sourceId, seg.index);
    const written = await o.frameFiles.writeSegment(key, seg.frames);
    await o.tracker.emitted(data.sourceId, seg.index, seg.frames.length);
    const next: DetectJob = {
      segmentKey: key,
      sourceId: data.sourceId,
      cameraId: data.cameraId,
      segment: seg.index,
      ...written,
      prevSegment,
      ...(seg.last ? { last: true } : {}),
      ...(data.roi ? { offset: { x: data.roi.x, y: data.roi.y } } : {}),
      ...(data.motionGate ? { motionGate: data.motionGate } : {}),
      ...(data.scene ? { scene: data.scene } : {}),
      ...(full && data.plates
        ? { plates: await writePlateFrames(o, key, seg.frames, full, data.plates, data.roi) }
        : {}),
    };
    await detect.add('detect', next, { jobId: jobId(key) });
    segments++;
    frames += seg.frames.length;
    prevSegment = seg.index;
    await job.updateProgress({ segments, frames, ptsMs: seg.endPtsMs });
  }
  return { segments, frames };
}

/**
 * Waits while this host's detect queue holds maxPendingSegments segments or more, or the store
 * queue maxStoreBacklog (a store outage: what waits for it stays bounded, and so does Redis).
 */
async function hasRoom(
  queues: { detect: Queue; store: Queue },
  o: Pick<ExtractStageOptions, 'maxPendingSegments' | 'maxStoreBacklog'>,
  closing: () => boolean,
): Promise<void> {
  while (!closing()) {
    if (
      (await pending(queues.detect, 'active')) < o.maxPendingSegments &&
      (await pending(queues.store)) < o.maxStoreBacklog
    ) {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The segment's frames at source resolution, written beside its detector frames for the plate stage. */
async function writePlateFrames(
  o: ExtractStageOptions,
  key: string,
  frames: readonly SampledFrame[],
  full: SourceFrames,
  config: PlateFrames['config'],
  roi: ExtractJob['roi'],
): Promise<PlateFrames> {
  const taken = await full.take(frames.map((f) => f.time.ptsMs));
  const first = taken.find((f) => f !== null);
  if (!first) throw new Error(`no source-resolution frame for segment ${key} (the second decoder ended)`);
  const framesFile = await o.frameFiles.write(
    `${key}@plates`,
    taken.map((f) => f ?? first),
  );
  return {
    host: o.host,
    framesFile,
    width: first.width,
    height: first.height,
    count: taken.length,
    offset: { x: roi?.x ?? 0, y: roi?.y ?? 0 },
    config,
  };
}
