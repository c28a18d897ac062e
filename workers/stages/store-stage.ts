import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { SegmentWriter } from '../../pipeline/store/segment-writer.ts';
import type { EventRecord } from '../../schemas/events.ts';
import { type StoreJob, StoreJob as StoreJobSchema } from '../../schemas/jobs.ts';
import { assertValid } from '../../schemas/validate.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { alertJobOptions, jobId, QUEUE } from '../queues.ts';

export interface StoreStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  writer: SegmentWriter;
  tracker: SourceTracker;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/**
 * Stage 3: write a segment's results to ClickHouse. Runs only in the process that owns the store
 * (with the embedded engine, exactly one process may open it). Writes are idempotent per segment
 * (see SegmentWriter), so BullMQ's at-least-once delivery never doubles a row.
 */
export function startStoreStage(o: StoreStageOptions): { worker: Worker; close(): Promise<void> } {
  const alerts = new Queue<EventRecord>(QUEUE.alerts, {
    connection: o.connection,
    prefix: o.prefix,
    defaultJobOptions: alertJobOptions(o.attempts),
  });
  const worker = new Worker<StoreJob>(
    QUEUE.store,
    async (job) => {
      const data = assertValid<StoreJob>(StoreJobSchema, job.data, `store job ${job.id}`);
      const r = await o.writer.write(data, {
        beforeLedger: async () => {
          const events = data.events ?? [];
          if (events.length) {
            await alerts.addBulk(
              events.map((e) => ({ name: e.type, data: e, opts: { jobId: jobId(e.eventId) } })),
            );
          }
        },
      });
      const frames = r.skipped ? data.frames.length : r.frames;
      const detections = r.skipped ? data.frames.reduce((n, f) => n + f.detections.length, 0) : r.detections;
      await o.tracker.stored(data.sourceId, data.segment, frames, detections);
      return r;
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency },
  );
  worker.on('failed', async (job, err) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    o.logger.error({ stage: 'store', segment: job.data.segmentKey, err }, 'segment failed storage');
    await o.tracker.lost(job.data.sourceId, job.data.segment, `store: ${err.message}`);
  });
  worker.on('error', (e) => o.logger.error({ stage: 'store', err: e }, 'worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      await alerts.close();
    },
  };
}
