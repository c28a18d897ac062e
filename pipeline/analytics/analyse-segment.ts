import type { Detection } from '../../schemas/detection.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { FrameResult, StoreJob } from '../../schemas/jobs.ts';
import type { IntervalRow, LineCrossing, TrackRow, ZoneVisit } from '../../schemas/measures.ts';
import type { CameraAnalytics } from './camera-analytics.ts';

/** What a segment yields after analytics: its frames with track ids, and what the measures closed. */
export interface SegmentAnalysis {
  frames: FrameResult[];
  crossings: LineCrossing[];
  visits: ZoneVisit[];
  intervals: IntervalRow[];
  tracks: TrackRow[];
  events: EventRecord[];
}

/**
 * Runs a segment's frames through the camera's analytics, in order. Each detection of a confirmed
 * track gets its id and the track's (voted) class; the others keep track id 0, except `weak` ones
 * (below the model's own threshold, there for the tracker: see trackingSpec), which are dropped.
 * Motion and `cut` served the tracker and measures; the stored rows do not keep them. A source's last segment also closes what
 * is still open (crossings waiting on a vanished track, partial intervals, visits, tracks).
 *
 * @example
 *   const a = new CameraAnalytics('cam-1', scene, { tracker });
 *   const { frames, crossings } = analyseSegment(a, job); // job: the detect stage's results
 */
export function analyseSegment(
  analytics: CameraAnalytics,
  job: StoreJob,
  weak: (d: Detection) => boolean = () => false,
): SegmentAnalysis {
  const out: SegmentAnalysis = {
    frames: [],
    crossings: [],
    visits: [],
    intervals: [],
    tracks: [],
    events: [],
  };
  const at = { sourceId: job.sourceId, segment: job.segment };
  analytics.lookAhead(job.frames.map((f) => f.detections));
  for (const f of job.frames) {
    const step = analytics.update(f.detections, f.tsMs, at);
    out.crossings.push(...step.crossings);
    out.visits.push(...step.visits);
    out.intervals.push(...step.intervals);
    out.tracks.push(...step.tracks);
    out.events.push(...step.events);
    const trackOf = new Map(step.tracked.map((t) => [t.input, t]));
    const detections: FrameResult['detections'] = [];
    for (const [i, { motion: _m, cut: _c, ...d }] of f.detections.entries()) {
      const hit = trackOf.get(i);
      if (hit) detections.push({ ...d, cls: hit.cls, trackId: hit.trackId });
      else if (!weak(d)) detections.push({ ...d, trackId: 0 });
    }
    out.frames.push({ ...f, detections });
  }
  if (job.last) {
    const end = analytics.finish();
    out.crossings.push(...end.crossings);
    out.visits.push(...end.visits);
    out.intervals.push(...end.intervals);
    out.tracks.push(...end.tracks);
  }
  return out;
}
