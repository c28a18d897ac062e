import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { DetectorPool } from '../../pipeline/detect/detector-pool.ts';
import {
  type DetectJob,
  DetectJob as DetectJobSchema,
  type FrameResult,
  type StoreJob,
} from '../../schemas/jobs.ts';
import { assertValid } from '../../schemas/validate.ts';
import { FrameFiles } from '../frames/frame-files.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobId, jobOptions, QUEUE } from '../queues.ts';

export interface DetectStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  host: string;
  detector: DetectorPool;
  tracker: SourceTracker;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/**
 * Stage 2: run the detector on a segment's frames (read from this host's frames file) and queue the
 * results for storage. The frames file is deleted once the results are queued, or when the job has
 * failed for the last time.
 */
export function startDetectStage(o: DetectStageOptions): { worker: Worker; close(): Promise<void> } {
  const storeQueue = new Queue<StoreJob>(QUEUE.store, {
    connection: o.connection,
    prefix: o.prefix,
    defaultJobOptions: jobOptions(o.attempts),
  });

  const worker = new Worker<DetectJob>(
    QUEUE.detect(o.host),
    async (job) => {
      const data = assertValid<DetectJob>(DetectJobSchema, job.data, `detect job ${job.id}`);
      const frames = await FrameFiles.read(
        data.framesFile,
        data.frames.length,
        data.width,
        data.height,
        data.scale,
      );
      // All the segment's frames at once: the pool spreads them over its instances.
      const { detections, ms } = await o.detector.detectTimed(frames);
      const results: FrameResult[] = data.frames.map((t, i) => ({
        ptsMs: t.ptsMs,
        tsMs: t.tsMs,
        analysed: true,
        detectorMs: ms[i],
        detections: detections[i].map((d) => ({ cls: d.cls, score: d.score, ...d.box })),
      }));
      await storeQueue.add(
        'store',
        {
          segmentKey: data.segmentKey,
          sourceId: data.sourceId,
          cameraId: data.cameraId,
          segment: data.segment,
          detector: o.detector.name,
          frames: results,
        },
        { jobId: jobId(data.segmentKey) },
      );
      await FrameFiles.remove(data.framesFile);
      return { frames: results.length };
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency },
  );
  worker.on('failed', async (job, err) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    o.logger.error({ stage: 'detect', segment: job.data.segmentKey, err }, 'segment failed detection');
    await FrameFiles.remove(job.data.framesFile);
    await o.tracker.lost(job.data.sourceId, job.data.segment, `detect: ${err.message}`);
  });
  worker.on('error', (e) => o.logger.error({ stage: 'detect', err: e }, 'worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      await storeQueue.close();
    },
  };
}
