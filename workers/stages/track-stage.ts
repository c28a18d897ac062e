import { existsSync } from 'node:fs';
import { type ConnectionOptions, DelayedError } from 'bullmq';
import type { Redis } from 'ioredis';
import { CameraAnalytics, type CameraAnalyticsState } from '../../pipeline/analytics/camera-analytics.ts';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import type { ByteTrackerOptions } from '../../pipeline/track/byte-tracker.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { EventRecord } from '../../schemas/events.ts';
import { type StoreJob, StoreJob as StoreJobSchema } from '../../schemas/jobs.ts';
import type {
  IntervalRow,
  LineCrossing,
  MeasuresConfig,
  TrackRow,
  ZoneVisit,
} from '../../schemas/measures.ts';
import type { Rule } from '../../schemas/rules.ts';
import { writeEvidence } from '../alerts/evidence-snapshot.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions } from '../queues.ts';
import { jobId, QUEUE, redisKeys } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

export interface TrackStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  redis: Redis;
  tracker: SourceTracker;
  trackerOptions: ByteTrackerOptions;
  measures?: MeasuresConfig;
  /** The configured alert rules (each applies to the cameras it names, or all). */
  rules?: readonly Rule[];
  /** Where evidence snapshots go; null: none are made. */
  snapshotsDir?: string | null;
  /** This host's name and frames folder: evidence frames are read (and removed) only when they are here. */
  host: string;
  frameFiles: FrameFiles;
  concurrency: number;
  attempts: number;
  logger: Logger;
}

/** Tracker states kept per source: enough for retries of recent segments, bounded in memory. */
const KEEP_STATES = 4;

/**
 * The camera's analytics (pipeline/analytics/CameraAnalytics: tracker, measures, rules)
 * over a segment's frames; each stored detection gets its track id, and the segment's crossings,
 * visits, closed intervals, ended tracks and events (with JPEG evidence) go with it to the store.
 * Segments of a source are processed strictly in order, each from the state the previous one left
 * in Redis:
 *
 *   segment 0 ── state 0 ──▶ segment 1 ── state 1 ──▶ segment 2 ...      (hash <prefix>:track:<source>)
 *
 * A segment whose predecessor's state is not there yet goes back to the queue for 200 ms (delayed,
 * not failed); one whose predecessor was lost starts afresh. Tracking is deterministic, so a retried
 * segment recomputes the same ids, rows and events from the same state. Detections that belong to
 * no confirmed track (yet) keep track id 0.
 */
export function startTrackStage(o: TrackStageOptions): RunningStage {
  return startStage<StoreJob, { frames: number }, 'store'>(o, {
    name: 'track',
    queue: QUEUE.track,
    schema: StoreJobSchema,
    concurrency: o.concurrency,
    outputs: { store: { queue: QUEUE.store, jobOptions: jobOptions(o.attempts) } },
    async process(data, { job, token, outputs }) {
      const key = redisKeys(o.prefix).trackStates(data.sourceId);
      const prev = data.prevSegment ?? -1;
      let state: CameraAnalyticsState | null = null;
      const saved = prev >= 0 ? await o.redis.hget(key, String(prev)) : null;
      if (saved) state = JSON.parse(saved) as CameraAnalyticsState;
      else if (prev >= 0 && !(await o.tracker.isLost(data.sourceId, prev))) {
        await job.moveToDelayed(Date.now() + 200, token);
        throw new DelayedError(`segment ${data.segment} waits for the tracker state of segment ${prev}`);
      }
      // The camera's tracker, measures and rules, resuming where the previous segment left them.
      const scene = data.scene ?? { lines: [], zones: [], inertiaFrames: 1 };
      const options = {
        tracker: o.trackerOptions,
        ...(o.measures ? { measures: o.measures } : {}),
        ...(o.rules ? { rules: o.rules } : {}),
      };
      const analytics = state
        ? CameraAnalytics.restore(state, data.cameraId, scene, options)
        : new CameraAnalytics(data.cameraId, scene, options);
      const crossings: LineCrossing[] = [];
      const visits: ZoneVisit[] = [];
      const intervals: IntervalRow[] = [];
      const tracks: TrackRow[] = [];
      let events: EventRecord[] = [];
      const at = { sourceId: data.sourceId, segment: data.segment };

      const frames = data.frames.map((f) => {
        const detections: Detection[] = f.detections.map((d) => ({
          cls: d.cls,
          score: d.score,
          box: { x: d.x, y: d.y, w: d.w, h: d.h },
          ...(d.motion ? { motion: d.motion } : {}),
        }));
        const step = analytics.update(detections, f.tsMs, at);
        crossings.push(...step.crossings);
        visits.push(...step.visits);
        intervals.push(...step.intervals);
        tracks.push(...step.tracks);
        events.push(...step.events);
        // Each detection of a confirmed track gets its id and the track's class; motion served the
        // tracker, the stored row does not keep it.
        const trackOf = new Map(step.tracked.map((t) => [t.input, t]));
        return {
          ...f,
          detections: f.detections.map(({ motion: _m, ...d }, i) => {
            const hit = trackOf.get(i);
            return hit ? { ...d, cls: hit.cls, trackId: hit.trackId } : { ...d, trackId: 0 };
          }),
        };
      });
      // The source ended: what is still open is closed now (partial intervals, visits, tracks).
      if (data.last) {
        const end = analytics.finish();
        visits.push(...end.visits);
        intervals.push(...end.intervals);
        tracks.push(...end.tracks);
      }

      const stale = (await o.redis.hkeys(key)).filter((k) => Number(k) <= data.segment - KEEP_STATES);
      const tx = o.redis.multi().hset(key, String(data.segment), JSON.stringify(analytics.snapshot()));
      if (stale.length) tx.hdel(key, ...stale);
      // A source's states wait a week for its next segment; after its last one, only an hour (for
      // retries): a backfill of months of files must not keep a state chain per file in Redis.
      await tx.expire(key, data.last ? 3600 : 7 * 24 * 3600).exec();
      // Evidence: the frames are still on disk when this host decoded them (they are removed here).
      const { evidence, ...rest } = data;
      const here = evidence && evidence.host === o.host && o.frameFiles.owns(evidence.framesFile);
      if (evidence && here && existsSync(evidence.framesFile)) {
        if (events.length && o.snapshotsDir) {
          events = await writeEvidence(events, evidence, frames, o.snapshotsDir, o.frameFiles).catch(
            (err) => {
              o.logger.warn({ stage: 'track', segment: data.segmentKey, err }, 'evidence snapshots failed');
              return events;
            },
          );
        }
        await o.frameFiles.remove(evidence.framesFile);
      }
      await outputs.store.add(
        'store',
        { ...rest, frames, crossings, visits, intervals, tracks, ...(events.length ? { events } : {}) },
        { jobId: jobId(data.segmentKey) },
      );
      return { frames: frames.length };
    },
    describe: (data) => ({ segment: data.segmentKey }),
    failedMessage: 'segment failed tracking',
    onFailed: (data, err) => o.tracker.lost(data.sourceId, data.segment, `track: ${err.message}`),
  });
}
