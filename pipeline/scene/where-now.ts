import type { LineTrackState } from './line-zone-state.ts';
import { courseAt } from './perspective-course.ts';

/**
 * Where a track not seen since its last sighting would be at tsMs, best guess first: along its
 * perspective course from its last two sightings (courseAt), and at its tracker velocity (which
 * lags an approaching vehicle, but not one whose box the picture's edge cuts). Empty: no guess.
 */
export function whereNow(t: LineTrackState, tsMs: number): [number, number][] {
  const out: [number, number][] = [];
  if (!t.last) return out;
  const course = t.prev && t.lastH && courseAt(t.prev, { at: t.last, h: t.lastH, tsMs: t.lastSeenMs }, tsMs);
  if (course) out.push(course);
  const dt = (tsMs - t.lastSeenMs) / 1000;
  if (t.velocity) out.push([t.last[0] + t.velocity[0] * dt, t.last[1] + t.velocity[1] * dt]);
  return out;
}
