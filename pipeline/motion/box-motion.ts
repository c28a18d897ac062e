import type { Box } from '../../schemas/detection.ts';
import { coveredShare } from '../geometry/box-iou.ts';
import { meanDiff, scaled, type Template, template } from './block-template.ts';
import type { GreyFrame } from './grey-frame.ts';

/** Where a box came from, traced back through the frames between two analysed frames. */
export interface BoxMotion {
  /** Displacement of the box's centre from the first frame of the chain to the last, in the chain's pixels. */
  dx: number;
  dy: number;
  /** Steps (frame pairs) measured from the pixels; the others were extrapolated at constant velocity. */
  measured: number;
  /** Steps in the chain (frames − 1). */
  steps: number;
  /**
   * Steps not measured while the box, traced back, went further past the picture's edge: an object
   * entering the picture, whose older frames show less and less of it. (A box that stays put at the
   * edge, a vehicle leaving there, is no such step.)
   */
  beyond: number;
  /**
   * The object's size in the first frame over its size in the last (the box's centre is what dx, dy
   * follow): below 1 for an object approaching the camera, above 1 for one driving away.
   */
  scale: number;
}

export interface BoxMotionOptions {
  /** Template samples along the box's longer side, at most (default 10). */
  samples?: number;
  /** The box's inner part used as the template, per side (default 0.2: the central 60 %). */
  inset?: number;
  /** A match whose mean absolute grey difference is above this is no match (default 24). */
  maxMeanDiff?: number;
  /** Below this grey standard deviation the template is too flat to match (default 4). */
  minContrast?: number;
  /** First step's search radius, in box sizes (default 0.8): how far an object may move per frame. */
  firstRadius?: number;
  /** Later steps' search radius around the previous step's motion, in box sizes (default 0.25). */
  nextRadius?: number;
}

const DEFAULTS: Required<BoxMotionOptions> = {
  samples: 10,
  inset: 0.2,
  maxMeanDiff: 24,
  minContrast: 4,
  firstRadius: 0.8,
  nextRadius: 0.25,
};

/**
 * Traces a box back through a chain of small grey frames (oldest first, the box in the last one) by
 * block matching, step by step: where was this object one frame ago, two frames ago, ... at the
 * first frame? The answer is what the tracker lacks at 2–5 fps, when a close vehicle moves one to
 * three of its lengths between analysed frames and no box overlaps its predecessor.
 *
 *   frame k-2        frame k-1         frame k (analysed, box known)
 *   ┌─┐              ┌──┐              ┌───┐
 *   │▓│ ◀── match ───│▓▓│ ◀── match ───│▓▓▓│    dx, dy = sum of the centre's steps
 *   └─┘              └──┘              └───┘    scale = product of the size's steps
 *
 * Each step takes the box's central part as a template, sampled on at most samples × samples points
 * (the cost does not depend on the box's size), and searches the older frame for the displacement
 * with the least mean absolute difference: coarse to fine, within firstRadius box sizes on the first
 * step and nextRadius around the previous step's motion after it (objects keep their speed over a
 * tenth of a second), at the previous step's size change; then the size change is refined. The box
 * follows the object's size into the next step. A step whose template is too flat, mostly outside
 * the picture, or best match too different is not measured: the previous step's motion is repeated
 * (an object entering the picture keeps its speed beyond its edge). Returns null for a chain of
 * fewer than two frames.
 *
 * @example
 *   const m = traceBoxBack([g0, g1, g2], { x: 120, y: 40, w: 30, h: 18 });
 *   if (m && m.measured * 2 >= m.steps) console.log('came from', 120 - m.dx, 40 - m.dy);
 */
export function traceBoxBack(
  chain: readonly GreyFrame[],
  box: Box,
  options: BoxMotionOptions = {},
): BoxMotion | null {
  if (chain.length < 2) return null;
  const o = { ...DEFAULTS, ...options };
  let cur = { ...box };
  let dx = 0;
  let dy = 0;
  let vel: Step | null = null;
  let measured = 0;
  let beyond = 0;
  let scale = 1;
  for (let j = chain.length - 1; j >= 1; j--) {
    const step = matchStep(chain[j], chain[j - 1], cur, vel, o);
    const st: Step = step ?? vel ?? { u: 0, v: 0, s: 1 };
    if (step) {
      measured++;
      vel = step;
    }
    // The box follows the object's centre and size: a template keeping the newest size would hold
    // more and more road around a vehicle that shrinks going back in time, and match the road.
    const w = cur.w * st.s;
    const h = cur.h * st.s;
    const next = { x: cur.x + cur.w / 2 + st.u - w / 2, y: cur.y + cur.h / 2 + st.v - h / 2, w, h };
    if (!step && insideShare(next, chain[j - 1]) < insideShare(cur, chain[j]) - 0.01) beyond++;
    cur = next;
    dx -= st.u;
    dy -= st.v;
    scale *= st.s;
  }
  return { dx, dy, measured, steps: chain.length - 1, beyond, scale };
}

/** The share of the box's area inside the frame. */
function insideShare(box: Box, frame: GreyFrame): number {
  return coveredShare(box, { x: 0, y: 0, w: frame.width, h: frame.height });
}

/** One step back in time: the box's centre moved by (u, v) and its size by the factor s. */
interface Step {
  u: number;
  v: number;
  s: number;
}

/**
 * The step that takes the box in `a` to where it was in `b` (the older frame), or null: the
 * displacement first, searched at the size change of the step before, then the size change itself
 * ({@link refineScale}). A first step (no velocity yet) searches wide, and a wide search can land on a
 * look-alike piece of the still background (branches in front of the car, a kerb). So a first step's
 * match that moved more than {@link STILL_CHECK_SHARE} of the box is checked: the piece of `b` it
 * landed on is compared with `a` at the same place and at the box. If it matches the same place at
 * least as well, that piece stood still and is no trace of the object; the step is not measured.
 */
function matchStep(
  a: GreyFrame,
  b: GreyFrame,
  box: Box,
  vel: Step | null,
  o: Required<BoxMotionOptions>,
): Step | null {
  const size = Math.max(box.w, box.h);
  const radius = Math.max(2, (vel ? o.nextRadius : o.firstRadius) * size);
  const centre = vel ? { u: Math.round(vel.u), v: Math.round(vel.v) } : { u: 0, v: 0 };
  const s0 = vel?.s ?? 1;
  if (settled(a, b, box, centre, s0, o)) return { ...centre, s: s0 };
  const found = search(a, b, box, centre, radius, vel ? 3 : 5, o, s0);
  if (!found) return null;
  // (Refined before judged: at the wrong size an object's own place may look like no match.)
  const { u, v, s, diff } = refineScale(a, b, box, { ...found, s: s0 }, o);
  if (diff > o.maxMeanDiff) return null;
  if (vel || Math.hypot(u, v) <= STILL_CHECK_SHARE * size) return { u, v, s };
  const piece = template(b, { ...box, x: box.x + u, y: box.y + v }, o, 1);
  // (A piece mostly beyond the older frame's edge cannot be checked; the match stands.)
  if (piece && meanDiff(a, piece, 0, 0) <= meanDiff(a, piece, -u, -v)) return null;
  return { u, v, s };
}

/**
 * Whether the template already matches at the expected step (no motion on a first step) so closely
 * that no search could find better: a mean difference within sensor noise (SETTLED_DIFF grey levels)
 * and under SETTLED_SHARE of the template's own contrast. A template shifted by a pixel or more
 * differs by about its contrast, so only a true match passes. Most boxes of a street are parked or
 * queued vehicles; this spares them the search, which is most of the trace's cost.
 */
function settled(
  a: GreyFrame,
  b: GreyFrame,
  box: Box,
  centre: { u: number; v: number },
  s: number,
  o: Required<BoxMotionOptions>,
): boolean {
  const t = scaled(template(a, box, o, 0), box, s);
  if (!t) return false;
  const limit = Math.min(SETTLED_DIFF, SETTLED_SHARE * t.contrast);
  return meanDiff(b, t, centre.u, centre.v, limit) <= limit;
}

const SETTLED_DIFF = 3;
const SETTLED_SHARE = 0.2;

/** Size change tried per refinement step, and how many steps one way at most. */
const SCALE_STEP = 1.08;
const SCALE_STEPS = 3;

/**
 * The size change of one step, by hill climbing from `start`'s: the template is compared at sizes
 * SCALE_STEP apart (each with a small search around the best place so far) while that lowers the
 * difference. An approaching vehicle near the camera grows by a fifth between two decoder frames at
 * 5 fps; matched at one size, its template soon holds mostly road. On a box too small for one
 * SCALE_STEP to move the template's outer samples by half a pixel the size cannot be measured (the
 * climb follows noise: a cyclist 7 px wide came out at a quarter of its size half a second earlier),
 * so only the small search around the best place is made, at `start`'s size.
 */
function refineScale(
  a: GreyFrame,
  b: GreyFrame,
  box: Box,
  start: Step & { diff: number },
  o: Required<BoxMotionOptions>,
): Step & { diff: number } {
  const size = Math.max(box.w, box.h);
  const radius = Math.max(2, 0.05 * size);
  if ((SCALE_STEP - 1) * (0.5 - o.inset) * size < 0.5) {
    const found = search(a, b, box, start, radius, 1, o, start.s);
    return found && found.diff < start.diff ? { ...found, s: start.s } : start;
  }
  let best = start;
  for (const factor of [1 / SCALE_STEP, SCALE_STEP]) {
    for (let k = 1; k <= SCALE_STEPS; k++) {
      const s = best.s * factor;
      const found = search(a, b, box, best, radius, 1, o, s);
      if (!found || !(found.diff < best.diff)) break;
      best = { ...found, s };
    }
    if (best !== start) break; // it got smaller (larger) going back; no need to try the other way
  }
  return best;
}

/** A first step's match that moved more than this share of the box is checked for a still look-alike. */
const STILL_CHECK_SHARE = 0.25;

/**
 * Block matching of the box's template from `a` in `b`, coarse to fine, within `radius` of `centre`
 * (coarse grid: radius / `coarse`): the best displacement and its mean difference, or null when the
 * template cannot be taken (flat, or mostly outside the picture).
 */
function search(
  a: GreyFrame,
  b: GreyFrame,
  box: Box,
  centre: { u: number; v: number },
  radius: number,
  coarse: number,
  o: Required<BoxMotionOptions>,
  scale = 1,
): { u: number; v: number; diff: number } | null {
  const size = Math.max(box.w, box.h);
  const { u: cu, v: cv } = centre;
  let s = Math.max(1, Math.round(radius / coarse));
  const span = Math.ceil(radius / s);
  // Coarse steps compare the pictures blurred to about the step's size (box means over an integral
  // image): unblurred, fine texture decorrelates within a pixel and the coarse grid would miss it.
  let t = scaled(template(a, box, o, s >> 1), box, scale);
  if (!t) return null;
  // The best candidate so far, in locals: this loop runs a few hundred times per box.
  let bu = cu;
  let bv = cv;
  let bestCost = Number.POSITIVE_INFINITY;
  let bestDiff = Number.POSITIVE_INFINITY;
  const consider = (tpl: Template, u: number, v: number) => {
    // A slight preference for the expected motion breaks ties between look-alike neighbours
    // (the next car of a platoon, lane markings) in favour of physical continuity.
    const penalty = (2 * Math.hypot(u - cu, v - cv)) / size;
    const diff = meanDiff(b, tpl, u, v, bestCost - penalty);
    const cost = diff + penalty;
    if (cost < bestCost) {
      bu = u;
      bv = v;
      bestCost = cost;
      bestDiff = diff;
    }
  };
  for (let iv = -span; iv <= span; iv++)
    for (let iu = -span; iu <= span; iu++) consider(t, cu + iu * s, cv + iv * s);
  while (s > 1) {
    s = Math.max(1, s >> 1);
    t = scaled(template(a, box, o, s >> 1), box, scale);
    if (!t) return null;
    const u0 = bu;
    const v0 = bv;
    bestCost = Number.POSITIVE_INFINITY;
    bestDiff = Number.POSITIVE_INFINITY;
    for (let iv = -1; iv <= 1; iv++) for (let iu = -1; iu <= 1; iu++) consider(t, u0 + iu * s, v0 + iv * s);
  }
  return { u: bu, v: bv, diff: bestDiff };
}
