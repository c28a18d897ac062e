import type { Box, Detection } from '../../schemas/detection.ts';
import { iou } from '../geometry/box-iou.ts';
import { bottomCentre } from '../scene/geometry.ts';

/**
 * What a detection's measured image motion (pipeline/motion/) tells the tracker. A detection with
 * motion says where the object was at the previous analysed frame: box − (dx, dy), dtMs earlier.
 *
 *   previous frame              this frame
 *   ┌────┐ track's box          ┌────┐ detection
 *   │    │                      │    │
 *   └────┘  ◀── dx, dy ──────── └────┘       compared where both were: at the previous frame
 *
 * At 2 fps a close vehicle moves one to three of its lengths between frames, so its box never
 * overlaps the track's prediction when the track has no velocity yet (a new track), and a tracker
 * that only predicts breaks such tracks every time. Compared at the previous frame, the two boxes
 * overlap as well as at 25 fps.
 */

/** The detection's box where it was at the previous frame, when its motion spans exactly dtMs. */
export function boxBefore(d: Detection, dtMs: number): Box | null {
  const m = d.motion;
  // The measurement must span the tracker's own step (not a gap, a restart or a skipped frame).
  if (!m || !(Math.abs(m.dtMs - dtMs) <= Math.max(1, 0.02 * dtMs))) return null;
  return tracedBox(d);
}

/** The box where its motion says it was (its centre moved back, its size scaled); the box itself without motion. */
function tracedBox(d: Detection): Box {
  const { dx = 0, dy = 0, scale = 1 } = d.motion ?? {};
  const w = d.box.w * scale;
  const h = d.box.h * scale;
  return { x: d.box.x + (d.box.w - w) / 2 - dx, y: d.box.y + (d.box.h - h) / 2 - dy, w, h };
}

/**
 * How well a track's box at the previous frame matches the detection traced back to then: the IoU,
 * or, if better and the detection's size is within MAX_GROWTH of the track's, the IoU with the traced
 * box resized to the track's box around its centre. Vehicles approaching the camera grow between
 * frames at 2 fps (and are cut by the picture's edge); where the trace could not tell the size change
 * (a small box, a cut one) or told it wrong, the traced box's size is off while its centre still
 * agrees with the track's. 0 when the detection has no motion for this step, or moved against
 * `heading`.
 */
export function overlapBefore(
  trackBefore: Box,
  d: Detection,
  dtMs: number,
  heading?: { vx: number; vy: number },
): number {
  const b = boxBefore(d, dtMs);
  if (!b || (heading && against(d, heading, dtMs, trackBefore))) return 0;
  const plain = iou(trackBefore, b);
  // A far, small detection is no continuation of a near, large track however well it is placed.
  // (Judged on the detection's own size, not the traced one: the trace's size change is the less
  // certain of the two, and a wrong one must not veto a well-placed match. A true size change
  // beyond MAX_GROWTH is what the plain IoU with the traced box is for.)
  const growth = Math.sqrt((d.box.w * d.box.h) / (trackBefore.w * trackBefore.h));
  if (!(growth <= MAX_GROWTH && growth >= 1 / MAX_GROWTH)) return plain;
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const resized = {
    x: cx - trackBefore.w / 2,
    y: cy - trackBefore.h / 2,
    w: trackBefore.w,
    h: trackBefore.h,
  };
  return Math.max(plain, iou(trackBefore, resized));
}

/**
 * Whether the detection visibly moved against the track's heading (its filtered velocity, px/s),
 * the track itself moving at least a tenth of its size per step: two vehicles crossing paths near the
 * picture's edge, one leaving and one entering, where the newcomer's traced box lands on the other's
 * last place. Measured motion the other way is no continuation of the track.
 */
function against(d: Detection, heading: { vx: number; vy: number }, dtMs: number, box: Box): boolean {
  const m = d.motion;
  if (!m || !movedVisibly(d)) return false;
  const sec = dtMs / 1000;
  if (!(Math.hypot(heading.vx, heading.vy) * sec >= 0.1 * Math.max(box.w, box.h))) return false;
  return m.dx * heading.vx + m.dy * heading.vy < 0;
}

/** How much a box may grow or shrink (square root of the area) from one analysed frame to the next. */
export const MAX_GROWTH = 2.5;

/**
 * Whether the detection's motion shows a moving object: it moved at least a tenth of its size. Such
 * a detection is two observations of the object (here and where it came from), so a track it starts
 * needs one hit less to be confirmed; a still one (a parked car, a false alarm on the background)
 * earns nothing from it.
 */
export function movedVisibly(d: Detection): boolean {
  const m = d.motion;
  return !!m && Math.hypot(m.dx, m.dy) >= 0.1 * Math.max(d.box.w, d.box.h);
}

/** The bottom-centre (ground contact) of the box, or of where the motion says the object came from. */
export function originAnchor(d: Detection): [number, number] {
  return bottomCentre(tracedBox(d)) as [number, number];
}
