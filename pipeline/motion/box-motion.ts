import type { Box } from '../../schemas/detection.ts';
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
    cur = { x: cur.x + cur.w / 2 + st.u - w / 2, y: cur.y + cur.h / 2 + st.v - h / 2, w, h };
    dx -= st.u;
    dy -= st.v;
    scale *= st.s;
  }
  return { dx, dy, measured, steps: chain.length - 1, scale };
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

/** Size change tried per refinement step, and how many steps one way at most. */
const SCALE_STEP = 1.08;
const SCALE_STEPS = 3;

/**
 * The size change of one step, by hill climbing from `start`'s: the template is compared at sizes
 * SCALE_STEP apart (each with a small search around the best place so far) while that lowers the
 * difference. An approaching vehicle near the camera grows by a fifth between two decoder frames at
 * 5 fps; matched at one size, its template soon holds mostly road.
 */
function refineScale(
  a: GreyFrame,
  b: GreyFrame,
  box: Box,
  start: Step & { diff: number },
  o: Required<BoxMotionOptions>,
): Step & { diff: number } {
  const radius = Math.max(2, 0.05 * Math.max(box.w, box.h));
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

interface Template {
  xs: Int32Array;
  ys: Int32Array;
  values: Float64Array;
  /** Blur radius the values were taken at (0: raw pixels). */
  r: number;
  /** The sampling grid's size: at least half of it must fall inside a frame compared with. */
  grid: number;
}

/** The box's central part sampled on a grid of at most samples² points inside the frame, or null. */
function template(f: GreyFrame, box: Box, o: Required<BoxMotionOptions>, r: number): Template | null {
  const x0 = box.x + box.w * o.inset;
  const y0 = box.y + box.h * o.inset;
  const w = box.w * (1 - 2 * o.inset);
  const h = box.h * (1 - 2 * o.inset);
  const long = Math.max(w, h);
  const nx = Math.max(2, Math.min(o.samples, Math.round((o.samples * w) / long), Math.round(w)));
  const ny = Math.max(2, Math.min(o.samples, Math.round((o.samples * h) / long), Math.round(h)));
  const xs: number[] = [];
  const ys: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < ny; j++) {
    const y = Math.round(y0 + ((j + 0.5) * h) / ny);
    if (y < 0 || y >= f.height) continue;
    for (let i = 0; i < nx; i++) {
      const x = Math.round(x0 + ((i + 0.5) * w) / nx);
      if (x < 0 || x >= f.width) continue;
      xs.push(x);
      ys.push(y);
      values.push(pixel(f, x, y, r));
    }
  }
  // Mostly outside the picture: the object is leaving it; nothing reliable to match.
  if (values.length * 2 < nx * ny) return null;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  if (Math.sqrt(variance / values.length) < o.minContrast) return null;
  const grid = nx * ny;
  return { xs: Int32Array.from(xs), ys: Int32Array.from(ys), values: Float64Array.from(values), r, grid };
}

/**
 * The template compared at `scale` times its size around the box's centre: its samples keep their
 * values and move. (Rounded here, so a displacement still moves every sample by whole pixels.)
 */
function scaled(t: Template | null, box: Box, scale: number): Template | null {
  if (!t || scale === 1) return t;
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const xs = t.xs.map((x) => Math.round(cx + (x - cx) * scale));
  const ys = t.ys.map((y) => Math.round(cy + (y - cy) * scale));
  return { ...t, xs, ys };
}

/**
 * Mean absolute difference between the template and frame `f` shifted by (u, v), over the samples
 * that fall inside the frame; +Infinity when they are under half of the template's grid. Samples
 * off the frame are left out, not charged: an object entering the picture was partly beyond its
 * edge one frame earlier, and charging its true position for the missing part lost it to a wrong
 * match on the road beside it.
 * Gives up, returning +Infinity, once the mean can no longer be below `stopAt` (the sum only grows,
 * and the mean over fewer samples is larger): most candidates of a search lose after a few samples.
 */
function meanDiff(
  f: GreyFrame,
  t: Template,
  u: number,
  v: number,
  stopAt = Number.POSITIVE_INFINITY,
): number {
  const { width, height, data } = f;
  const { xs, ys, values, r } = t;
  const n = values.length;
  let sum = 0;
  let outside = 0;
  if (r === 0) {
    for (let k = 0; k < n; k++) {
      const x = xs[k] + u;
      const y = ys[k] + v;
      if (x < 0 || y < 0 || x >= width || y >= height) outside++;
      else sum += Math.abs(data[y * width + x] - values[k]);
      if ((k & 7) === 7 && sum / n >= stopAt) return Number.POSITIVE_INFINITY;
    }
    return insideMean(sum, n - outside, t.grid);
  }
  // pixel()'s window mean, inlined: the summed-area table is looked up once, not per sample.
  const sums = integral(f);
  const w1 = width + 1;
  for (let k = 0; k < n; k++) {
    const x = xs[k] + u;
    const y = ys[k] + v;
    if (x < 0 || y < 0 || x >= width || y >= height) {
      outside++;
      continue;
    }
    const x0 = Math.max(0, x - r);
    const y0 = Math.max(0, y - r);
    const x1 = Math.min(width, x + r + 1);
    const y1 = Math.min(height, y + r + 1);
    const box = sums[y1 * w1 + x1] - sums[y0 * w1 + x1] - sums[y1 * w1 + x0] + sums[y0 * w1 + x0];
    sum += Math.abs(box / ((x1 - x0) * (y1 - y0)) - values[k]);
    if ((k & 7) === 7 && sum / n >= stopAt) return Number.POSITIVE_INFINITY;
  }
  return insideMean(sum, n - outside, t.grid);
}

/** The mean over the samples inside the frame, or +Infinity when they are under half of the grid. */
function insideMean(sum: number, inside: number, grid: number): number {
  return inside * 2 < grid ? Number.POSITIVE_INFINITY : sum / inside;
}

/** The grey value at (x, y), or the mean of the (2r+1)² window around it (clipped to the frame). */
function pixel(f: GreyFrame, x: number, y: number, r: number): number {
  if (r === 0) return f.data[y * f.width + x];
  const sums = integral(f);
  const w1 = f.width + 1;
  const x0 = Math.max(0, x - r);
  const y0 = Math.max(0, y - r);
  const x1 = Math.min(f.width, x + r + 1);
  const y1 = Math.min(f.height, y + r + 1);
  const sum = sums[y1 * w1 + x1] - sums[y0 * w1 + x1] - sums[y1 * w1 + x0] + sums[y0 * w1 + x0];
  return sum / ((x1 - x0) * (y1 - y0));
}

const integrals = new WeakMap<GreyFrame, Float64Array>();

/** The frame's summed-area table, (width+1)×(height+1), computed once per frame. */
function integral(f: GreyFrame): Float64Array {
  let sums = integrals.get(f);
  if (sums) return sums;
  const w1 = f.width + 1;
  sums = new Float64Array(w1 * (f.height + 1));
  for (let y = 0; y < f.height; y++) {
    let row = 0;
    for (let x = 0; x < f.width; x++) {
      row += f.data[y * f.width + x];
      sums[(y + 1) * w1 + x + 1] = sums[y * w1 + x + 1] + row;
    }
  }
  integrals.set(f, sums);
  return sums;
}
