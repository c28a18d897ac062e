import type { Point, SceneLine } from '../../schemas/scene.ts';
import type { TrackedDetection } from '../track/byte-tracker.ts';
import { bottomCentre, cross } from './geometry.ts';

/**
 * Measured motion this many pixels across a line, against the way a box's bottom went from its
 * origin, is movement, not noise: the motion step measures on half-size grey frames, where a
 * pixel of noise is two here.
 */
const AGAINST_PX = 3;

/**
 * Whether a new track's bottom went from its origin across the line only because its box changed
 * shape: the object's measured motion (its box centre, traced through the decoded frames) went
 * the other way across the line. A person first seen only in part (a rider before the bicycle
 * under them is found, someone behind a parked car) and then whole has a bottom that jumps down by
 * the part that was hidden, while the person walks up; that is no crossing.
 *
 *      origin ● (bottom of the part seen first)        ▲ measured motion: up
 *   ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ line
 *             ● bottom of the whole box, next frame
 *
 * @example
 *   if (side !== sideNow && grewAcross(d, d.origin, line)) return null; // its side is where it is now
 */
export function grewAcross(d: TrackedDetection, origin: Point, line: SceneLine): boolean {
  const m = d.motion;
  if (!m || m.cut) return false;
  // Signed distance from the line (cross / length): a displacement's share across it.
  const length = Math.hypot(line.to[0] - line.from[0], line.to[1] - line.from[1]);
  const across = (p: Point) => cross(line.from, line.to, p) / length;
  const bottomAcross = across(bottomCentre(d.box)) - across(origin);
  // Over the dtMs before this frame the box's centre moved by (dx, dy).
  const motionAcross = across([line.from[0] + m.dx, line.from[1] + m.dy]);
  return Math.sign(motionAcross) === -Math.sign(bottomAcross) && Math.abs(motionAcross) >= AGAINST_PX;
}
