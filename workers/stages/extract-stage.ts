import type { ConnectionOptions } from 'bullmq';
import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import { ConfigError } from '../../pipeline/errors/config-error.ts';
import { SourceError } from '../../pipeline/errors/source-error.ts';
import { FrameExtractor } from '../../pipeline/extract/frame-extractor.ts';
import { segmentFrames } from '../../pipeline/extract/segmenter.ts';
import { type SampledFrame, sampleWithMotion } from '../../pipeline/motion/motion-sampler.ts';
import {
  type DetectJob,
  type ExtractJob,
  ExtractJob as ExtractJobSchema,
  type ExtractResult,
  segmentKey,
} from '../../schemas/jobs.ts';
import { assertValid } from '../../schemas/validate.ts';
import type { FrameFiles } from '../frames/frame-files.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions, type Stage } from '../queues.ts';
import { jobId, QUEUE } from '../redis-keys.ts';

export interface ExtractStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  host: string;
  frameFiles: FrameFiles;
  tracker: SourceTracker;
  /** The box frames are scaled into: the detector's input size. */
  frameBox: { width: number; height: number };
  /** Backpressure: pause decoding while this host's detect queue holds this many segments. */
  maxPendingSegments: number;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/**
 * Stage 1: decode a source, sample it, cut it into segments, and queue each segment for detection
 * on this host. Runs as long as the source: one job per file (or stream).
 *
 * A source that cannot be read to its end (corrupt, truncated, not media) fails its job without
 * retries (the same bytes fail the same way) after the segments decoded before the fault are queued:
 * what was accepted is kept.
 */
export function startExtractStage(o: ExtractStageOptions): { worker: Worker; close(): Promise<void> } {
  const detectQueue = new Queue<DetectJob>(QUEUE.detect(o.host), {
    connection: o.connection,
    prefix: o.prefix,
    defaultJobOptions: jobOptions(o.attempts),
  });

  // Shutdown: an extract job runs as long as its source, so closing must not wait for it. The
  // decoders are stopped and each job is handed back to the queue (delayed, not failed: a restart is
  // not an attempt); whichever worker takes it again re-extracts, and segments already stored are
  // skipped by the store.
  let closing = false;
  const running = new Set<FrameExtractor>();

  async function waitForRoom(): Promise<void> {
    while (!closing) {
      const c = await detectQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused');
      const pending = Object.values(c).reduce((a, b) => a + b, 0);
      if (pending < o.maxPendingSegments) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const worker = new Worker<ExtractJob, ExtractResult>(
    QUEUE.extract,
    async (job, token) => {
      const data = assertValid<ExtractJob>(ExtractJobSchema, job.data, `extract job ${job.id}`);
      await o.tracker.extracting(data.sourceId);
      const steps = data.motionSteps ?? 0;
      const extractor = new FrameExtractor({
        uri: data.uri,
        fps: data.fps * Math.max(1, steps),
        maxWidth: o.frameBox.width,
        maxHeight: o.frameBox.height,
        startTimeMs: data.startTimeMs,
        ...(data.roi ? { crop: data.roi } : {}),
      });
      running.add(extractor);
      let segments = 0;
      let frames = 0;
      let prevSegment = -1;
      try {
        const sampled = steps ? sampleWithMotion(extractor, data.fps) : extractor;
        for await (const seg of segmentFrames<SampledFrame>(sampled, data.segmentMs)) {
          if (seg.frames.length === 0) continue;
          await waitForRoom();
          if (closing) break;
          const key = segmentKey(data.sourceId, seg.index);
          const written = await o.frameFiles.writeSegment(key, seg.frames);
          await o.tracker.emitted(data.sourceId, seg.index, seg.frames.length);
          await detectQueue.add(
            'detect',
            {
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
            },
            { jobId: jobId(key) },
          );
          segments++;
          frames += seg.frames.length;
          prevSegment = seg.index;
          await job.updateProgress({ segments, frames, ptsMs: seg.endPtsMs });
        }
        if (closing) {
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError(`extract of ${data.sourceId} handed back at shutdown`);
        }
      } catch (e) {
        if (e instanceof DelayedError) throw e;
        const message = e instanceof Error ? e.message : String(e);
        // The same bytes (or the same settings) fail the same way: no retries.
        if (e instanceof SourceError || e instanceof ConfigError) {
          await o.tracker.extractEnded(data.sourceId, message);
          o.logger.error({ sourceId: data.sourceId, code: e.code, segments, frames }, message);
          throw new UnrecoverableError(message);
        }
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
          await o.tracker.extractEnded(data.sourceId, message);
        throw e;
      } finally {
        running.delete(extractor);
        await extractor.close();
      }
      await o.tracker.extractEnded(data.sourceId, null);
      return { sourceId: data.sourceId, segments, frames };
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency, autorun: true },
  );
  worker.on('error', (e) => o.logger.error({ stage: 'extract' satisfies Stage, err: e }, 'worker error'));
  return {
    worker,
    async close() {
      closing = true;
      await Promise.all([...running].map((x) => x.close()));
      await worker.close();
      await detectQueue.close();
    },
  };
}
