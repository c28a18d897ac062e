import type { Box } from '../../schemas/detection.ts';
import { courseAt } from '../scene/perspective-course.ts';

/** A box a track was detected with, and when. */
export interface BoxSighting {
  box: Box;
  tsMs: number;
  /** The box reached the picture's lower edge: its height is the edge's cut, not the vehicle's. */
  cut?: boolean;
}

/**
 * Where a track's box will be at tsMs on its perspective course (scene/perspective-course.ts) from
 * its last two sightings, or null without two. A vehicle approaching the camera speeds up and grows
 * on screen; the Kalman filter's constant image velocity falls behind it, at 2 fps by about its own
 * length near the camera, which is where the next vehicle of a platoon then stands:
 *
 *   frame k-1    frame k      frame k+1
 *   ┌┐ a         ┌─┐ b        ┌──────┐ course: 1/h and y/h change linearly in time
 *   └┘           └─┘          │      │
 *                  ┌───┐      └──────┘
 *                  └───┘ Kalman (constant image velocity, size held): the follower's place
 *
 * No course when the sightings are further apart than `maxSpanMs` (a track seen again after a gap),
 * when the last box was cut by the picture's lower edge (a vehicle leaving there shrinks on screen,
 * which reads as driving away), or when the course heads against the track's `heading` (its
 * filtered velocity): a box that shrank by its detector's whim is no vehicle turning back.
 *
 * @example
 *   const seen = [{ box: { x: 300, y: 100, w: 14, h: 28 }, tsMs: 0 }, { box: { x: 290, y: 121, w: 21, h: 44 }, tsMs: 1000 }];
 *   courseBox(seen, 2000, 3000); // ≈ { x: 252, y: 198, w: 49, h: 103 }: nearer, larger, faster
 */
export function courseBox(
  seen: readonly BoxSighting[],
  tsMs: number,
  maxSpanMs: number,
  heading?: { vx: number; vy: number },
): Box | null {
  if (seen.length < 2) return null;
  const [a, b] = seen.slice(-2);
  if (b.cut || !(b.tsMs - a.tsMs <= maxSpanMs)) return null;
  const next = courseAt(sighting(a), sighting(b), tsMs);
  if (!next) return null;
  const w = (b.box.w * next.h) / b.box.h;
  const box = { x: next.at[0] - w / 2, y: next.at[1] - next.h, w, h: next.h };
  const dx = box.x + box.w / 2 - (b.box.x + b.box.w / 2);
  const dy = box.y + box.h / 2 - (b.box.y + b.box.h / 2);
  if (heading && dx * heading.vx + dy * heading.vy < 0) return null;
  return box;
}

/** The track's sightings with one more (the last two are kept). */
export function withSighting(
  seen: readonly BoxSighting[] | undefined,
  box: Box,
  tsMs: number,
  cut = false,
): BoxSighting[] {
  return [...(seen ?? []).slice(-1), { box: { ...box }, tsMs, ...(cut ? { cut } : {}) }];
}

function sighting(s: BoxSighting): { at: [number, number]; h: number; tsMs: number } {
  return { at: [s.box.x + s.box.w / 2, s.box.y + s.box.h], h: s.box.h, tsMs: s.tsMs };
}
