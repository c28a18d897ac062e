import type { RgbFrame } from '../../schemas/frame.ts';
import { ConfigError } from '../errors/config-error.ts';

/**
 * Picture checks for camera health, on the sampled RGB frames the decoder delivers anyway (no extra
 * decoding). All work on luma (BT.601: Y = 0.299 R + 0.587 G + 0.114 B) sampled every `step`
 * pixels, so a 512×288 frame costs about 9 000 reads per check.
 */

/** Luma of every `step`-th pixel of every `step`-th row, as a width×height grid. */
export function lumaSamples(
  frame: RgbFrame,
  step = 4,
): { data: Float32Array; width: number; height: number } {
  const w = Math.ceil(frame.width / step);
  const h = Math.ceil(frame.height / step);
  const out = new Float32Array(w * h);
  const d = frame.data;
  for (let gy = 0; gy < h; gy++) {
    const row = gy * step * frame.width;
    for (let gx = 0; gx < w; gx++) {
      const i = (row + gx * step) * 3;
      out[gy * w + gx] = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    }
  }
  return { data: out, width: w, height: h };
}

export interface PictureStats {
  /** Mean luma, 0-255. */
  meanLuma: number;
  /** Standard deviation of luma: near 0 for a uniform picture. */
  lumaStd: number;
  /** Variance of the Laplacian of luma (sharpness): small for a blurred or featureless picture. */
  sharpness: number;
}

/**
 * Mean, spread and sharpness of a frame's luma. Sharpness is the variance of the 4-neighbour
 * Laplacian on the sampled grid, the usual focus measure (Pech-Pacheco et al. 2000): edges give large
 * second derivatives, a defocused or smeared lens gives small ones.
 */
export function pictureStats(frame: RgbFrame): PictureStats {
  const g = lumaSamples(frame, 2);
  const n = g.data.length;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    sum += g.data[i];
    sq += g.data[i] * g.data[i];
  }
  const mean = sum / n;
  let lap = 0;
  let lapSq = 0;
  let m = 0;
  for (let y = 1; y < g.height - 1; y++) {
    for (let x = 1; x < g.width - 1; x++) {
      const i = y * g.width + x;
      const v = g.data[i - 1] + g.data[i + 1] + g.data[i - g.width] + g.data[i + g.width] - 4 * g.data[i];
      lap += v;
      lapSq += v * v;
      m++;
    }
  }
  const lapMean = m ? lap / m : 0;
  return {
    meanLuma: mean,
    lumaStd: Math.sqrt(Math.max(0, sq / n - mean * mean)),
    sharpness: m ? lapSq / m - lapMean * lapMean : 0,
  };
}

export interface PictureThresholds {
  /** Mean luma at or below which a frame is black (lens covered, night without IR, dead sensor). Default 20. */
  blackLuma?: number;
  /**
   * Sharpness (Laplacian variance on the half-resolution grid) below which a frame is blurred.
   * Default 100: the sample street at 320×176 scores about 9 000, the same frame box-blurred with a
   * 9×9 kernel about 90 and with 13×13 about 33 (test/live/live-units.test.ts).
   */
  blurSharpness?: number;
}

/** Classifies a frame as black, blurred (not black but without edges) or fine. */
export function classifyPicture(stats: PictureStats, t: PictureThresholds = {}): 'black' | 'blurred' | 'ok' {
  if (stats.meanLuma <= (t.blackLuma ?? 20) && stats.lumaStd < 10) return 'black';
  if (stats.sharpness < (t.blurSharpness ?? 100)) return 'blurred';
  return 'ok';
}

export interface FrozenDetectorOptions {
  /** The picture must stay unchanged this long to count as frozen, ms. */
  frozenAfterMs: number;
  /**
   * Mean absolute luma difference (0-255) below which two frames are "the same". A frozen encoder
   * repeats the picture exactly (difference 0 to a few tenths after re-encoding); a live street, even
   * an empty one, shows sensor noise and light changes above 1. Default 0.5.
   */
  maxMeanDelta?: number;
}

/**
 * Tells a frozen picture (a camera that keeps sending the same image: a hung encoder, a stuck
 * buffer) from a live one. Each frame is compared with the last frame that differed; the picture is
 * frozen once no frame has differed for `frozenAfterMs`.
 *
 *   frames   A  A' A  A  A  A  A  B
 *   t (s)    0  1  2  3  4  5  6  7        frozenAfterMs = 5000
 *   frozen   -  -  -  -  -  ✓  ✓  -        (A' differs from A by less than maxMeanDelta)
 *
 * @example
 *   const fz = new FrozenDetector({ frozenAfterMs: 5000 });
 *   for (const { frame, tsMs } of frames) {
 *     const { frozen, sinceMs } = fz.update(frame, tsMs);
 *   }
 */
export class FrozenDetector {
  readonly #after: number;
  readonly #maxDelta: number;
  #ref: Float32Array | null = null;
  #changedAt = 0;

  constructor(o: FrozenDetectorOptions) {
    if (!(typeof o?.frozenAfterMs === 'number' && o.frozenAfterMs > 0)) {
      throw new ConfigError(
        'FrozenDetector',
        'frozenAfterMs',
        `must be a number > 0, got ${o?.frozenAfterMs}`,
      );
    }
    this.#after = o.frozenAfterMs;
    this.#maxDelta = o.maxMeanDelta ?? 0.5;
  }

  /** `sinceMs`: the time of the last change (when a frozen picture froze). */
  update(frame: RgbFrame, tsMs: number): { frozen: boolean; sinceMs: number; meanDelta: number } {
    const g = lumaSamples(frame, 4).data;
    if (!this.#ref || this.#ref.length !== g.length) {
      this.#ref = g;
      this.#changedAt = tsMs;
      return { frozen: false, sinceMs: tsMs, meanDelta: Number.POSITIVE_INFINITY };
    }
    let diff = 0;
    for (let i = 0; i < g.length; i++) diff += Math.abs(g[i] - this.#ref[i]);
    const meanDelta = diff / g.length;
    if (meanDelta > this.#maxDelta) {
      this.#ref = g;
      this.#changedAt = tsMs;
    }
    return { frozen: tsMs - this.#changedAt >= this.#after, sinceMs: this.#changedAt, meanDelta };
  }

  /** Forgets the reference picture (after a reconnection the camera starts over). */
  reset(): void {
    this.#ref = null;
  }
}
