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
 * track gets its id and the track's (voted) class; the others keep track id 0. Motion served the
 * tracker; the stored rows do not keep it. A source's last segment also closes what is still open
 * (partial intervals, visits, tracks).
 *
 * @example
 *   const a = new CameraAnalytics('cam-1', scene, { tracker });
 *   const { frames, crossings } = analyseSegment(a, job); // job: the detect stage's results
 */
export function analyseSegment(analytics: CameraAnalytics, job: StoreJob): SegmentAnalysis {
  const out: SegmentAnalysis = {
    frames: [],
    crossings: [],
    visits: [],
    intervals: [],
    tracks: [],
    events: [],
  };
  const at = { sourceId: job.sourceId, segment: job.segment };
  for (const f of job.frames) {
    const step = analytics.update(f.detections, f.tsMs, at);
    out.crossings.push(...step.crossings);
    out.visits.push(...step.visits);
    out.intervals.push(...step.intervals);
    out.tracks.push(...step.tracks);
    out.events.push(...step.events);
    const trackOf = new Map(step.tracked.map((t) => [t.input, t]));
    out.frames.push({
      ...f,
      detections: f.detections.map(({ motion: _m, ...d }, i) => {
        const hit = trackOf.get(i);
        return hit ? { ...d, cls: hit.cls, trackId: hit.trackId } : { ...d, trackId: 0 };
      }),
    });
  }
  if (job.last) {
    const end = analytics.finish();
    out.visits.push(...end.visits);
    out.intervals.push(...end.intervals);
    out.tracks.push(...end.tracks);
  }
  return out;
}
