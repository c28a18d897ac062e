import { median } from '../stats/median.ts';

/** One vehicle box as the split sees it: the row of its bottom edge, its width and height, pixels. */
export type WidthSample = readonly [bottomY: number, width: number, height: number];

/**
 * Where a camera's vehicle boxes split in two by width, allowing for distance: the narrow group
 * (two-wheelers) and the wide one (cars, vans, trucks). `narrow(bottomY, width)` says on which side a
 * box falls.
 */
export interface WidthSplit {
  /** The horizon row the widths were scaled by (a box's width over its distance below it). */
  horizonY: number;
  /** The boundary, as log(width / (bottomY − horizonY)). */
  threshold: number;
  /** How much of the spread the two groups explain (Otsu's η, 0–1). */
  separation: number;
  /** The wide group's mean scaled width over the narrow group's. */
  ratio: number;
  /** The narrow group's share of the samples. */
  narrowShare: number;
  /** The narrow group's median width over height. */
  narrowAspect: number;
}

/** When a split is believed: every condition must hold (see {@link splitWidths}). */
export const SPLIT_LIMITS = {
  minSamples: 40,
  minSeparation: 0.75,
  minRatio: 2.2,
  maxNarrowAspect: 1.25,
  minShare: 0.05,
} as const;

const HORIZON_STEPS = 48;

/** Whether a box lies in the narrow group of a split. */
export function isNarrow(split: WidthSplit, bottomY: number, width: number): boolean {
  const d = bottomY - split.horizonY;
  return d > 0 && width > 0 && Math.log(width / d) < split.threshold;
}

/**
 * Splits a camera's vehicle boxes into a narrow and a wide group, or says there is no such split.
 *
 * On a flat road, an object of a given real width is drawn narrower the further it is, in
 * proportion to its bottom edge's distance below the horizon: width ≈ k · (bottomY − horizonY).
 * Scaled by that distance, a motorbike's box is a third to a half of a car's at any distance:
 *
 *      horizon ─────────────────────────────  horizonY
 *                  ▭ ▯                          far: car 30 px, motorbike 12 px
 *              ▭▭▭   ▯
 *          ▭▭▭▭▭▭      ▯▯                        near: car 90 px, motorbike 28 px
 *
 * The horizon is not known without a calibration, so each candidate row is tried and the one that
 * splits the scaled widths most cleanly (Otsu's criterion on their logarithm) is kept. A split is
 * believed only where it is plainly two kinds of vehicle ({@link SPLIT_LIMITS}): enough samples,
 * groups well apart (η), the wide group at least 2.2 times as wide, each group at least 5 % of the
 * boxes, and the narrow group upright (a median width under 1.25 times the height, as a motorbike
 * from the front, back or at an angle; cars are wider than tall from every side). A street of cars
 * alone, or cars and buses side on, gives no split.
 *
 * @example
 *   const split = splitWidths(samples, 720); // [bottomY, width, height] of car/truck/bus/motorbike boxes
 *   if (split && isNarrow(split, 540, 30)) console.log('a two-wheeler');
 */
export function splitWidths(samples: readonly WidthSample[], frameHeight: number): WidthSplit | null {
  if (samples.length < SPLIT_LIMITS.minSamples) return null;
  const lowest = Math.min(...samples.map((s) => s[0]));
  const logWidths = Float64Array.from(samples, ([, w]) => Math.log(w));
  const values = new Float64Array(samples.length);
  let best: { eta: number; horizonY: number; threshold: number } | null = null;
  // From two frame heights above the picture down to just above the highest box's bottom.
  const top = -2 * frameHeight;
  const bottom = lowest - 0.05 * frameHeight;
  for (let i = 0; i < HORIZON_STEPS; i++) {
    const horizonY = top + ((bottom - top) * i) / (HORIZON_STEPS - 1);
    for (let k = 0; k < samples.length; k++) {
      values[k] = (logWidths[k] as number) - Math.log((samples[k] as WidthSample)[0] - horizonY);
    }
    const cut = otsu(values);
    if (cut && (!best || cut.eta > best.eta)) best = { ...cut, horizonY };
  }
  if (!best) return null;
  const split = describe(samples, best);
  const ok =
    split.separation >= SPLIT_LIMITS.minSeparation &&
    split.ratio >= SPLIT_LIMITS.minRatio &&
    split.narrowAspect <= SPLIT_LIMITS.maxNarrowAspect &&
    split.narrowShare >= SPLIT_LIMITS.minShare &&
    split.narrowShare <= 1 - SPLIT_LIMITS.minShare;
  return ok ? split : null;
}

function describe(
  samples: readonly WidthSample[],
  cut: { eta: number; horizonY: number; threshold: number },
): WidthSplit {
  const narrow: number[] = [];
  const wide: number[] = [];
  const aspects: number[] = [];
  for (const [y, w, h] of samples) {
    const v = Math.log(w / (y - cut.horizonY));
    if (v < cut.threshold) {
      narrow.push(v);
      aspects.push(w / h);
    } else wide.push(v);
  }
  return {
    horizonY: cut.horizonY,
    threshold: cut.threshold,
    separation: cut.eta,
    ratio: Math.exp(mean(wide) - mean(narrow)),
    narrowShare: narrow.length / samples.length,
    narrowAspect: median(aspects),
  };
}

/**
 * Otsu's two-class split of values: the boundary that maximises the between-class variance, and η,
 * that variance's share of the total. Each side keeps at least 5 % of the values.
 */
export function otsu(values: ArrayLike<number>): { threshold: number; eta: number } | null {
  const s = Float64Array.from(values).sort(); // a typed array sorts by value
  const n = s.length;
  const total = s.reduce((a, b) => a + b, 0);
  const m = total / n;
  const variance = s.reduce((a, v) => a + (v - m) ** 2, 0) / n;
  if (!(variance > 0)) return null;
  let below = 0;
  let bestBetween = -1;
  let bestI = 0;
  const first = Math.max(1, Math.floor(SPLIT_LIMITS.minShare * n));
  const last = Math.ceil((1 - SPLIT_LIMITS.minShare) * n);
  for (let i = 0; i < last; i++) {
    below += s[i] as number;
    const k = i + 1;
    if (k < first || k >= n) continue;
    const between = ((k * (n - k)) / (n * n)) * (below / k - (total - below) / (n - k)) ** 2;
    if (between > bestBetween) {
      bestBetween = between;
      bestI = k;
    }
  }
  if (bestBetween < 0) return null;
  const threshold = ((s[bestI - 1] as number) + (s[bestI] as number)) / 2;
  return { threshold, eta: bestBetween / variance };
}

function mean(v: readonly number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
}
