import type { Box, Detection } from '../../schemas/detection.ts';
import { iou } from '../geometry/box-iou.ts';
import { boxBefore, MAX_GROWTH, movedVisibly, overlapBefore } from './motion-cues.ts';
import type { Track } from './track-state.ts';

/** What a pair's cost depends on besides the pair (ByteTracker's options and the update's step). */
export interface CostTerms {
  minIou: number;
  distanceGate: number;
  maxSizeRatio: number;
  /** The update's step from the previous one, ms (measured motion must span it). */
  dtMs: number;
  /** Share of distanceGate this association allows (1; the 2nd association less). */
  gateShare: number;
}

/** A track's prediction for this update, computed once per track (its row of the cost matrix). */
export interface TrackRow {
  /** Its box predicted at the detections' time. */
  p: Box;
  /** Its filtered velocity, px/s. */
  velocity: { vx: number; vy: number };
}

/**
 * The cost of continuing track `t` (predicted as `row`) with detection `d`, as ByteTracker's class
 * doc tabulates it: 1 − overlap where they overlap enough, 1 + dist / (dist + size) within the
 * track's uncertainty gate, Infinity otherwise.
 */
export function pairCost(t: Track, row: TrackRow, d: Detection, o: CostTerms): number {
  const { p } = row;
  const b = d.box;
  // Overlap now (prediction, or perspective course) or at the previous frame (measured motion),
  // whichever is best.
  const overlap = Math.max(
    iou(p, b),
    t.course ? iou(t.course, b) : 0,
    t.before ? overlapBefore(t.before, d, o.dtMs, row.velocity) : 0,
  );
  if (overlap >= o.minIou) return 1 - overlap;
  // A vehicle driving away is first seen large at the picture's lower edge and may be half that
  // size a frame later at 2 fps: a track seen once may shrink by up to MAX_GROWTH. (One coming
  // towards the camera was seen small, far away, many times before it grows that fast.)
  const shrinks = t.hits === 1 ? Math.max(o.maxSizeRatio, MAX_GROWTH) : o.maxSizeRatio;
  const ratio = b.w < p.w && b.h < p.h ? shrinks : o.maxSizeRatio;
  if (!(b.w <= p.w * ratio && p.w <= b.w * ratio && b.h <= p.h * ratio && p.h <= b.h * ratio))
    return Number.POSITIVE_INFINITY;
  if (t.hits === 1 && entering(d)) return Number.POSITIVE_INFINITY;
  if (!(t.kf.centreDistance2(b) <= o.distanceGate * o.gateShare)) return Number.POSITIVE_INFINITY;
  if (t.hits === 1 && t.before && cameFromElsewhere(t.before, d, o.dtMs)) return Number.POSITIVE_INFINITY;
  // Gate by uncertainty, rank by distance in box sizes: a lost track's wide gate must not make it a
  // cheaper match than a steady track whose prediction lies closer.
  const dist = centreDistance(p, b);
  return 1 + dist / (dist + Math.sqrt(b.w * b.h));
}

/**
 * A box the picture's lower edge cuts, with no measured motion: a vehicle entering from under the
 * camera. It continues no track seen once (whose velocity is unknown) that it does not overlap: at
 * 2 fps such a track's gate is wide, and it would take the newcomer for its own object.
 */
function entering(d: Detection): boolean {
  return d.cut === true && !d.motion;
}

/**
 * Whether the detection's measured motion says it came from further away from the track's box at
 * the previous frame than it now is: another object, which the wide gate of a track seen once (no
 * velocity yet) happens to reach. On a night arterial at 2 fps a weak box on a rider started such a
 * track; half a second later a motorbike driving up the road was found near it, but its motion
 * traced it back 100 px to the right. Taken, it gave the track the rider's place as origin and a
 * velocity the wrong way, its next box was no match, and its crossing was never counted.
 *
 *   track's box at the previous frame ┌─┐
 *                                     └─┘   ┌─┐ detection now: near the track's box,
 *                                           └─┘ ╲
 *                                                ┌─┐ but traced back by its motion to here,
 *                                                └─┘ further from the track's box
 *
 * Only where the motion spans this step and visibly moved (a still or unmeasured box tells nothing).
 */
function cameFromElsewhere(before: Box, d: Detection, dtMs: number): boolean {
  if (!movedVisibly(d)) return false;
  const from = boxBefore(d, dtMs);
  if (!from) return false;
  return centreDistance(from, before) > centreDistance(d.box, before);
}

function centreDistance(a: Box, b: Box): number {
  return Math.hypot(a.x + a.w / 2 - b.x - b.w / 2, a.y + a.h / 2 - b.y - b.h / 2);
}
