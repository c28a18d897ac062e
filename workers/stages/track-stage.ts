import { type ConnectionOptions, DelayedError, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ByteTracker, type ByteTrackerOptions } from '../../pipeline/track/byte-tracker.ts';
import type { Detection } from '../../schemas/detection.ts';
import { type StoreJob, StoreJob as StoreJobSchema } from '../../schemas/jobs.ts';
import { assertValid } from '../../schemas/validate.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobId, jobOptions, QUEUE } from '../queues.ts';

export interface TrackStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  redis: Redis;
  tracker: SourceTracker;
  trackerOptions: ByteTrackerOptions;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/** Tracker states kept per source: enough for retries of recent segments, bounded in memory. */
const KEEP_STATES = 4;

/**
 * Stage 3: follow objects from frame to frame (ByteTracker) and give each stored detection its
 * track id. Segments of a source are tracked strictly in order, each from the tracker state the
 * previous one left in Redis:
 *
 *   segment 0 ── state 0 ──▶ segment 1 ── state 1 ──▶ segment 2 ...      (hash <prefix>:track:<source>)
 *
 * A segment whose predecessor's state is not there yet goes back to the queue for 200 ms (delayed,
 * not failed); one whose predecessor was lost starts afresh. Tracking is deterministic, so a retried
 * segment recomputes the same ids from the same state. Detections that belong to no confirmed track
 * (yet) keep track id 0.
 */
export function startTrackStage(o: TrackStageOptions): { worker: Worker; close(): Promise<void> } {
  const storeQueue = new Queue<StoreJob>(QUEUE.store, {
    connection: o.connection,
    prefix: o.prefix,
    defaultJobOptions: jobOptions(o.attempts),
  });

  const worker = new Worker<StoreJob>(
    QUEUE.track,
    async (job, token) => {
      const data = assertValid<StoreJob>(StoreJobSchema, job.data, `track job ${job.id}`);
      const key = `${o.prefix}:track:${data.sourceId}`;
      const prev = data.prevSegment ?? -1;
      let tracker: ByteTracker;
      const saved = prev >= 0 ? await o.redis.hget(key, String(prev)) : null;
      if (saved) tracker = ByteTracker.restore(JSON.parse(saved), o.trackerOptions);
      else if (prev < 0 || (await o.tracker.isLost(data.sourceId, prev)))
        tracker = new ByteTracker(o.trackerOptions);
      else {
        await job.moveToDelayed(Date.now() + 200, token);
        throw new DelayedError(`segment ${data.segment} waits for the tracker state of segment ${prev}`);
      }

      const frames = data.frames.map((f) => {
        const detections: Detection[] = f.detections.map((d) => ({
          cls: d.cls,
          score: d.score,
          box: { x: d.x, y: d.y, w: d.w, h: d.h },
        }));
        // update() returns the detections of confirmed tracks, in input order: walk both lists.
        const tracked = tracker.update(detections, f.tsMs);
        let t = 0;
        return {
          ...f,
          detections: f.detections.map((d, i) => {
            const hit = tracked[t];
            if (hit && sameBox(hit.box, detections[i].box)) {
              t++;
              return { ...d, cls: hit.cls, trackId: hit.trackId };
            }
            return { ...d, trackId: 0 };
          }),
        };
      });

      const stale = (await o.redis.hkeys(key)).filter((k) => Number(k) <= data.segment - KEEP_STATES);
      const tx = o.redis.multi().hset(key, String(data.segment), JSON.stringify(tracker.snapshot()));
      if (stale.length) tx.hdel(key, ...stale);
      await tx.expire(key, 7 * 24 * 3600).exec();
      await storeQueue.add('store', { ...data, frames }, { jobId: jobId(data.segmentKey) });
      return { frames: frames.length };
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency },
  );
  worker.on('failed', async (job, err) => {
    if (!job || err instanceof DelayedError || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    o.logger.error({ stage: 'track', segment: job.data.segmentKey, err }, 'segment failed tracking');
    await o.tracker.lost(job.data.sourceId, job.data.segment, `track: ${err.message}`);
  });
  worker.on('error', (e) => o.logger.error({ stage: 'track', err: e }, 'worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      await storeQueue.close();
    },
  };
}

function sameBox(a: { x: number; y: number; w: number; h: number }, b: typeof a): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}
