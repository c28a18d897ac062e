import type { LineTrackState } from './line-zone-state.ts';
import { courseAt } from './perspective-course.ts';

/**
 * Where a track not seen since its last sighting would be at tsMs, best guess first: along its
 * perspective course from its last two sightings (perspective-course.ts), and at its tracker velocity (which
 * lags an approaching vehicle, but not one whose box the picture's edge cuts). Empty: no guess.
 */
export function whereNow(t: LineTrackState, tsMs: number): [number, number][] {
  const out: [number, number][] = [];
  if (!t.last) return out;
  const course = courseNow(t, tsMs);
  if (course) out.push(course.at);
  const dt = (tsMs - t.lastSeenMs) / 1000;
  if (t.velocity) out.push([t.last[0] + t.velocity[0] * dt, t.last[1] + t.velocity[1] * dt]);
  return out;
}

/** Where and how tall its perspective course from its last two sightings puts a track at tsMs. */
function courseNow(t: LineTrackState, tsMs: number): { at: [number, number]; h: number } | null {
  if (!t.prev || !t.last || !t.lastH) return null;
  return courseAt(t.prev, { at: t.last, h: t.lastH, tsMs: t.lastSeenMs }, tsMs);
}

/**
 * Whether a new track at `anchor` with box size `size` (its longer side) could be the missing track
 * `t` under a new id: near where t would be now (within the new box's size), and not larger than
 * {@link SIZE_FACTOR} times the size t would have now (its last size, grown or shrunk along its
 * perspective course). A car-sized box near the camera is no motorbike that faded out at the horizon
 * two seconds ago, however near its course runs in pixels; a smaller box may be (cut by the picture's
 * edge, partly hidden).
 */
export function couldBe(t: LineTrackState, anchor: [number, number], size: number, tsMs: number): boolean {
  if (t.size) {
    const course = courseNow(t, tsMs);
    const expected = course && t.lastH ? (t.size * course.h) / t.lastH : t.size;
    if (!(size <= SIZE_FACTOR * expected)) return false;
  }
  return whereNow(t, tsMs).some(([x, y]) => Math.hypot(x - anchor[0], y - anchor[1]) <= size);
}

/**
 * How much larger than the size its course gives it a vehicle's new box may be: a person seen only
 * in part (behind a parked car) and then whole is three times as tall.
 */
const SIZE_FACTOR = 4;
