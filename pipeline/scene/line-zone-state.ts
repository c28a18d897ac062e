import type { ProductClass } from '../../schemas/classes.ts';
import type { Sighting } from './perspective-course.ts';

// The plain-JSON shapes a LineZone reports and carries between segments (line-zone.ts).

export type CrossingDirection = 'positive' | 'negative';

/** One track crossing one line. */
export interface Crossing {
  lineId: string;
  trackId: number;
  /** The track's class when the crossing was confirmed. */
  cls: ProductClass;
  direction: CrossingDirection;
  /** Time of the frame that confirmed the crossing. */
  tsMs: number;
}

export interface LineCounts {
  positive: number;
  negative: number;
  byClass: Partial<Record<ProductClass, { positive: number; negative: number }>>;
}

export type Side = 'left' | 'right';

/** One track's state in a {@link LineZoneState}. */
export interface LineTrackState {
  trackId: number;
  /** The confirmed side. */
  side: Side;
  /** Consecutive observations on the other side so far. */
  pending: number;
  lastSeenMs: number;
  /** The anchor last seen on the confirmed side: a flip counts only if the path from it crosses the segment. */
  anchor?: [number, number];
  /** The last anchor seen (either side), the track's velocity then (px/s) and its class. */
  last?: [number, number];
  velocity?: [number, number];
  cls?: ProductClass;
  /** When it last counted a crossing. */
  countedMs?: number;
  /** Seen well beyond the line (RETURN_BOX_SHARE of its box) on its side since it last counted. */
  clear?: boolean;
  /** Missing since its last sighting, on a course that crossed the segment while missing. */
  exitSide?: Side;
  /** Missing since its last sighting, and another id was seen where it would be (stillSeen). */
  followed?: boolean;
  /** The larger side of its last box, px. */
  size?: number;
  /** Its last sighting before `last` and the last box's height (for courseAt). */
  prev?: Sighting;
  lastH?: number;
}

/** Everything a LineZone needs to carry on: plain JSON, like ByteTracker's TrackerState. */
export interface LineZoneState {
  version: 1;
  lineId: string;
  lastTsMs: number | null;
  /** Smoothed interval between updates, ms (for inertiaMs); absent before the second update. */
  frameMs?: number | null;
  /** When the current run of updates began (the first, or the first after a gap); absent: long ago. */
  sinceMs?: number | null;
  tracks: LineTrackState[];
  counts: LineCounts;
  /** Ids whose state another id took over, with when ([id, tsMs]); absent: none. */
  handedOver?: [number, number][];
}

/** A deep copy of counts. */
export function cloneCounts(c: LineCounts): LineCounts {
  const byClass: LineCounts['byClass'] = {};
  for (const [k, v] of Object.entries(c.byClass)) if (v) byClass[k as ProductClass] = { ...v };
  return { positive: c.positive, negative: c.negative, byClass };
}
