import type { Box } from '../../schemas/detection.ts';
import type { GreyFrame } from './grey-frame.ts';

/**
 * The block-matching template of box-motion.ts: a box's central part sampled on a small grid of a
 * grey frame (optionally blurred), and its mean absolute difference from another frame at a shift.
 *
 * @example
 *   const t = template(a, { x: 40, y: 20, w: 30, h: 16 }, { samples: 10, inset: 0.2, minContrast: 4 }, 0);
 *   if (t) meanDiff(b, t, -5, 0); // how well the box's content, 5 px to the left in b, matches
 */

/** How a template is taken: see BoxMotionOptions for each. */
export interface TemplateOptions {
  samples: number;
  inset: number;
  minContrast: number;
}

export interface Template {
  xs: Int32Array;
  ys: Int32Array;
  values: Float64Array;
  /** Blur radius the values were taken at (0: raw pixels). */
  r: number;
  /** The sampling grid's size: at least half of it must fall inside a frame compared with. */
  grid: number;
  /** The values' standard deviation. */
  contrast: number;
}

/** The box's central part sampled on a grid of at most samples² points inside the frame, or null. */
export function template(f: GreyFrame, box: Box, o: TemplateOptions, r: number): Template | null {
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
  const contrast = Math.sqrt(variance / values.length);
  if (contrast < o.minContrast) return null;
  const grid = nx * ny;
  return {
    xs: Int32Array.from(xs),
    ys: Int32Array.from(ys),
    values: Float64Array.from(values),
    r,
    grid,
    contrast,
  };
}

/**
 * The template compared at `scale` times its size around the box's centre: its samples keep their
 * values and move. (Rounded here, so a displacement still moves every sample by whole pixels.)
 */
export function scaled(t: Template | null, box: Box, scale: number): Template | null {
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
export function meanDiff(
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
