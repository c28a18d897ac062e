import { existsSync } from 'node:fs';
import { type ConnectionOptions, DelayedError, Queue } from 'bullmq';
import { analyseSegment, type SegmentAnalysis } from '../../pipeline/analytics/analyse-segment.ts';
import { CameraAnalytics, type CameraAnalyticsState } from '../../pipeline/analytics/camera-analytics.ts';
import type { FrameFiles } from '../../pipeline/frames/frame-files.ts';
import type { ByteTrackerOptions } from '../../pipeline/track/byte-tracker.ts';
import type { Detection } from '../../schemas/detection.ts';
import type { EventRecord } from '../../schemas/events.ts';
import { type StoreJob, StoreJob as StoreJobSchema } from '../../schemas/jobs.ts';
import type { MeasuresConfig } from '../../schemas/measures.ts';
import type { Rule } from '../../schemas/rules.ts';
import { writeEvidence } from '../alerts/evidence-snapshot.ts';
import type { Logger } from '../logger.ts';
import type { SourceTracker } from '../progress/source-tracker.ts';
import { jobOptions } from '../queues.ts';
import type { RedisClient } from '../redis-client.ts';
import { jobId, QUEUE, redisKeys } from '../redis-keys.ts';
import { type RunningStage, startStage } from './stage.ts';

export interface TrackStageOptions {
  connection: ConnectionOptions;
  prefix: string;
  redis: RedisClient;
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
  /** Boxes for the tracker only (pipeline/detect/track-threshold.ts): dropped unless a track takes them. */
  weak?: (d: Detection) => boolean;
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
  const options = {
    tracker: o.trackerOptions,
    ...(o.measures ? { measures: o.measures } : {}),
    ...(o.rules ? { rules: o.rules } : {}),
  };
  // Segments of cameras that read plates go to the plate stage of the host holding their frames.
  const plateQueues = new Map<string, Queue>();
  const platesOf = (host: string) => {
    let q = plateQueues.get(host);
    if (!q) {
      q = new Queue(QUEUE.plates(host), {
        connection: o.connection,
        prefix: o.prefix,
        defaultJobOptions: jobOptions(o.attempts),
      });
      plateQueues.set(host, q);
    }
    return q;
  };
  const stage = startStage<StoreJob, { frames: number }, 'store'>(o, {
    name: 'track',
    queue: QUEUE.track,
    schema: StoreJobSchema,
    concurrency: o.concurrency,
    outputs: { store: { queue: QUEUE.store, jobOptions: jobOptions(o.attempts) } },
    async process(data, { job, token, outputs }) {
      const states = new TrackStates(o.redis, o.prefix, data.sourceId);
      const prev = data.prevSegment ?? -1;
      const state = prev >= 0 ? await states.get(prev) : null;
      if (!state && prev >= 0 && !(await o.tracker.isLost(data.sourceId, prev))) {
        await job.moveToDelayed(Date.now() + 200, token);
        throw new DelayedError(`segment ${data.segment} waits for the tracker state of segment ${prev}`);
      }
      // The camera's tracker, measures and rules, resuming where the previous segment left them.
      const scene = data.scene ?? { lines: [], zones: [], inertiaFrames: 1 };
      const analytics = state
        ? CameraAnalytics.restore(state, data.cameraId, scene, options)
        : new CameraAnalytics(data.cameraId, scene, options);
      const result = analyseSegment(analytics, data, o.weak);
      await states.put(data.segment, analytics.snapshot(), data.last === true);
      const events = await withEvidence(o, data, result);
      const { evidence: _frames, ...segment } = data;
      const { events: _raw, ...rows } = result;
      const next = data.plates ? platesOf(data.plates.host) : outputs.store;
      await next.add(
        data.plates ? 'plates' : 'store',
        { ...segment, ...rows, ...(events.length ? { events } : {}) },
        { jobId: jobId(data.segmentKey) },
      );
      return { frames: result.frames.length };
    },
    describe: (data) => ({ segment: data.segmentKey }),
    failedMessage: 'segment failed tracking',
    onFailed: (data, err) => o.tracker.lost(data.sourceId, data.segment, `track: ${err.message}`),
  });
  return {
    ...stage,
    async close() {
      await stage.close();
      await Promise.all([...plateQueues.values()].map((q) => q.close()));
    },
  };
}

/**
 * A source's chain of tracker states: hash `<prefix>:track:<source>`, segment → the camera's
 * analytics state after it. Only the last KEEP_STATES are kept (enough for retries).
 */
class TrackStates {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    sourceId: string,
  ) {
    this.key = redisKeys(prefix).trackStates(sourceId);
  }

  async get(segment: number): Promise<CameraAnalyticsState | null> {
    const saved = await this.redis.hget(this.key, String(segment));
    return saved ? (JSON.parse(saved) as CameraAnalyticsState) : null;
  }

  async put(segment: number, state: CameraAnalyticsState, last: boolean): Promise<void> {
    const stale = (await this.redis.hkeys(this.key)).filter((k) => Number(k) <= segment - KEEP_STATES);
    const tx = this.redis.multi().hset(this.key, String(segment), JSON.stringify(state));
    if (stale.length) tx.hdel(this.key, ...stale);
    // A source's states wait a week for its next segment; after its last one, only an hour (for
    // retries): a backfill of months of files must not keep a state chain per file in Redis.
    await tx.expire(this.key, last ? 3600 : 7 * 24 * 3600).exec();
  }
}

/**
 * The segment's events, with JPEG evidence when its frames are still on this host's disk (the
 * detect stage kept them for this); the frames file is removed here either way.
 */
async function withEvidence(
  o: TrackStageOptions,
  data: StoreJob,
  result: SegmentAnalysis,
): Promise<EventRecord[]> {
  const { evidence } = data;
  const here = evidence && evidence.host === o.host && o.frameFiles.owns(evidence.framesFile);
  if (!evidence || !here || !existsSync(evidence.framesFile)) return result.events;
  let events = result.events;
  if (events.length && o.snapshotsDir) {
    events = await writeEvidence(events, evidence, result.frames, o.snapshotsDir, o.frameFiles).catch(
      (err) => {
        o.logger.warn({ stage: 'track', segment: data.segmentKey, err }, 'evidence snapshots failed');
        return events;
      },
    );
  }
  await o.frameFiles.remove(evidence.framesFile);
  return events;
}
