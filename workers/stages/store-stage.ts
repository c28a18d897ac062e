import type { ConnectionOptions } from 'bullmq';
import type { SegmentWriter } from '../../pipeline/store/segment-writer.ts';
import { storeUnreachable } from '../../pipeline/store/store-unreachable.ts';
import { StoreJob } from '../../schemas/jobs.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { alertJobOptions } from '../queues.ts';
import { jobId, QUEUE } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

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
 * The last stage: write a segment's results to ClickHouse. Runs only in the process that owns the
 * store (with the embedded engine, exactly one process may open it). Writes are idempotent per
 * segment (see SegmentWriter), so BullMQ's at-least-once delivery never doubles a row. The segment's
 * events go on to the alert path before the segment is marked stored.
 */
export function startStoreStage(o: StoreStageOptions): RunningStage {
  return startStage<StoreJob, unknown, 'alerts'>(o, {
    name: 'store',
    queue: QUEUE.store,
    schema: StoreJob,
    concurrency: o.concurrency,
    outputs: { alerts: { queue: QUEUE.alerts, jobOptions: alertJobOptions(o.attempts) } },
    async process(data, { outputs }) {
      const r = await o.writer.write(data, {
        beforeLedger: async () => {
          const events = data.events ?? [];
          if (events.length) {
            await outputs.alerts.addBulk(
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
    describe: (data) => ({ segment: data.segmentKey }),
    failedMessage: 'segment failed storage',
    // The store's server down: the job waits for it instead of using up its attempts.
    unavailable: storeUnreachable,
    onFailed: (data, err) => o.tracker.lost(data.sourceId, data.segment, `store: ${err.message}`),
  });
}
