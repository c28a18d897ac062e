import type { Box } from '../../schemas/detection.ts';
import type { BoxSighting } from './course-cue.ts';

/**
 * A new track's first box from before a missed frame. At 2 fps a vehicle entering near a counting
 * line is seen once on its near side, where it starts a tentative track; the detector misses it at
 * the next frame, which ends that track; a frame later it is found beyond the line, and its
 * measured motion reaches back only to the missed frame, beyond the line too. Its crossing is then
 * in no track's history. The box the ended tentative track last had is where the new one came from
 * if it lies on the way back along the new one's motion:
 *
 *   frame k (tentative, then ended)     k + 1 (missed)        k + 2 (new detection)
 *        ┌──┐ ·  ·  ·  ·  ·  ·  ·  ·  ·  ┌──┐  ◀── motion ──  ┌──┐
 *        └──┘   one step back, 0.5–2.5×   └──┘   one step      └──┘
 *                 the motion's length     traced box (from)    box
 *
 * (0.5–2.5×: a vehicle driving away slows down on screen, one approaching speeds up.) Across the
 * motion it may lie at most half a box width off the way back, and be within 2.5 times the traced
 * box's size. Of several, the one nearest the way back.
 *
 * @param ended the last boxes of tentative tracks that ended at the previous update
 * @param from the new detection's box traced back one step (motion-cues.ts boxBefore)
 * @param box the new detection's box
 * @returns the matching sighting, or null
 * @example
 *   const first = missedFirstBox(endedLastUpdate, boxBefore(d, stepMs), d.box);
 *   if (first) track.origin = bottomCentre(first.box);
 */
export function missedFirstBox(ended: readonly BoxSighting[], from: Box, box: Box): BoxSighting | null {
  const [fx, fy] = centre(from);
  const [bx, by] = centre(box);
  const vx = bx - fx;
  const vy = by - fy;
  const step = Math.hypot(vx, vy);
  // A still or barely moving box has no way back to follow.
  if (step < 0.1 * Math.max(from.w, from.h)) return null;
  let best: BoxSighting | null = null;
  let bestOff = Number.POSITIVE_INFINITY;
  for (const s of ended) {
    if (s.cut) continue;
    const growth = Math.sqrt((s.box.w * s.box.h) / (from.w * from.h));
    if (!(growth <= 2.5 && growth >= 1 / 2.5)) continue;
    const [cx, cy] = centre(s.box);
    // Along: how many motion steps back from the traced box; across: how far off that way.
    const along = ((fx - cx) * vx + (fy - cy) * vy) / (step * step);
    const off = Math.abs((fx - cx) * vy - (fy - cy) * vx) / step;
    if (along < 0.5 || along > 2.5 || off > 0.5 * Math.max(from.w, s.box.w)) continue;
    if (off < bestOff) {
      best = s;
      bestOff = off;
    }
  }
  return best;
}

function centre(b: Box): [number, number] {
  return [b.x + b.w / 2, b.y + b.h / 2];
}
