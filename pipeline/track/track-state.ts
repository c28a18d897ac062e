import { PRODUCT_CLASSES, type ProductClass } from '../../schemas/classes.ts';
import type { Box } from '../../schemas/detection.ts';
import type { BoxSighting } from './course-cue.ts';
import { KalmanBoxFilter, type KalmanBoxNoise, type KalmanBoxState } from './kalman-box-filter.ts';

export type TrackStatus = 'tentative' | 'confirmed' | 'lost';

/** One track in a {@link TrackerState}. */
export interface TrackState {
  /** Assigned on confirmation; -1 while tentative. */
  id: number;
  status: TrackStatus;
  hits: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Summed detection scores per class. */
  votes: Partial<Record<ProductClass, number>>;
  kalman: KalmanBoxState;
  /** Tentative tracks: the anchor where the object was first known (reported once, on confirmation). */
  origin?: [number, number];
  /** When the object was at its origin, ms, where that is a ground position (reported with it). */
  originMs?: number;
  /** The last two detected boxes (course-cue.ts). */
  seen?: BoxSighting[];
}

/** Everything a tracker needs to carry on: plain JSON, for Redis between segments or worker restarts. */
export interface TrackerState {
  version: 1;
  /** Timestamp of the last update, or null before the first. */
  lastTsMs: number | null;
  /** Smoothed interval between updates, ms (for lostFrames), or null before the second. */
  frameMs?: number | null;
  nextId: number;
  tracks: TrackState[];
  /** The last boxes of tentative tracks that ended at the last update (missed-first-box.ts). */
  ended?: BoxSighting[];
}

/** A track as ByteTracker holds it: its state with a live Kalman filter. */
export interface Track extends Omit<TrackState, 'kalman'> {
  kf: KalmanBoxFilter;
  /** The box at the previous update's time, and on its perspective course now (during an update only). */
  before?: Box;
  course?: Box | null;
}

/** A track as plain JSON (ByteTracker.snapshot): a deep copy, without the update's scratch boxes. */
export function trackToState(t: Track): TrackState {
  const { kf, before: _before, course: _course, ...rest } = t;
  return { ...copied(rest), kalman: kf.toState() };
}

/** The track a {@link trackToState} saved (ByteTracker.restore). */
export function trackFromState(s: TrackState, noise: KalmanBoxNoise): Track {
  const { kalman, ...rest } = s;
  return { ...copied(rest), kf: KalmanBoxFilter.fromState(kalman, noise) };
}

/** The plain fields of a track, copied so that a snapshot and the tracker share nothing. */
function copied<T extends Omit<TrackState, 'kalman'>>(t: T): T {
  return {
    ...t,
    votes: { ...t.votes },
    ...(t.origin ? { origin: [...t.origin] as [number, number] } : {}),
    ...(t.seen ? { seen: copiedSightings(t.seen) } : {}),
  };
}

/** Box sightings copied, so that a snapshot and the tracker share nothing. */
export function copiedSightings(seen: readonly BoxSighting[]): BoxSighting[] {
  return seen.map((x) => ({ ...x, box: { ...x.box } }));
}

/** The class with the highest summed score. */
export function votedClass(votes: Partial<Record<ProductClass, number>>): ProductClass {
  let best: ProductClass = PRODUCT_CLASSES[0];
  let bestScore = Number.NEGATIVE_INFINITY;
  // Fixed order, so ties resolve the same way after a restore.
  for (const c of PRODUCT_CLASSES) {
    const v = votes[c];
    if (v !== undefined && v > bestScore) {
      best = c;
      bestScore = v;
    }
  }
  return best;
}
