import type { Homography } from '../scene/homography.ts';
import { TrustedGround } from '../scene/trusted-ground.ts';
import { median } from '../stats/median.ts';

export interface SpeedEstimatorOptions {
  /** Positions older than this (relative to the newest) are not used for the current speed (default 2000 ms). */
  windowMs?: number;
  /** No speed until the positions in the window span at least this long (default 800 ms). */
  minHistoryMs?: number;
  /** ... and number at least this many (default 3). */
  minPoints?: number;
  /**
   * A step past what this speed allows, by more than box jitter (3 m), is a tracker identity
   * switch, not motion: the history restarts (default 200).
   */
  maxSpeedKmh?: number;
  /** Residuals above max(this, 3 robust sigmas) are outliers and refitted without (default 0.75 m). */
  minOutlierM?: number;
  /**
   * Ground points are trusted only this far outside the calibration's own points, as a share of their
   * extent (default 2: two more widths and lengths on each side). A homography is exact only on the
   * plane it was measured on; far from it (near the horizon, up a hill) a pixel is tens of metres.
   */
  trustMargin?: number;
}

export const DEFAULT_SPEED_ESTIMATOR_OPTIONS: Readonly<Required<SpeedEstimatorOptions>> = {
  windowMs: 2000,
  minHistoryMs: 800,
  minPoints: 3,
  maxSpeedKmh: 200,
  minOutlierM: 0.75,
  trustMargin: 2,
};

/** One ground position of a track: time (ms) and metres. */
type Sample = [t: number, x: number, y: number];

export interface SpeedEstimatorState {
  version: 1;
  tracks: Array<{ trackId: number; samples: Sample[] }>;
}

export interface SpeedReading {
  /** The anchor on the ground plane, metres; null when the point lies beyond the horizon. */
  world: [number, number] | null;
  /** km/h; null until enough history. */
  speedKmh: number | null;
}

/**
 * Ground speed of tracked objects from a ground-plane calibration (a {@link Homography} from image
 * pixels to metres). Each track keeps its recent ground positions; its speed is the slope of a
 * least-squares line through them, fitted per axis over the last `windowMs`:
 *
 *   x (m) │            ●  ● ← outlier (a box that jumped), dropped and refitted
 *         │        ●  ╱
 *         │     ● ╱●          speed = √(vx² + vy²), vx = slope of x(t), vy = slope of y(t)
 *         │  ● ╱
 *         └──────────────── t (s)
 *               window
 *
 * Why a fit and not the last step: at 5 fps a car moves 1-3 m per frame and box jitter moves its
 * bottom-centre by ~0.3-1 m at a distance, so a single step is off by tens of percent; a 2-second fit
 * over ~10 positions averages that out. Robustness: points whose residual exceeds three robust
 * standard deviations (1.4826 × median absolute residual) or `minOutlierM` are dropped and the line is
 * refitted once; a step beyond what `maxSpeedKmh` allows (by more than 3 m of box jitter) means the
 * tracker swapped identities, so the history restarts. Nothing is reported before `minHistoryMs` and `minPoints`.
 *
 * @example
 *   const speeds = new SpeedEstimator(Homography.fromPoints(image, world));
 *   for (const d of tracker.update(detections, tsMs)) {
 *     const { speedKmh } = speeds.update(d.trackId, bottomCentre(d.box), tsMs);
 *     if (speedKmh !== null) console.log(d.trackId, speedKmh.toFixed(1), 'km/h');
 *   }
 *   speeds.forget(endedTrackId);
 */
export class SpeedEstimator {
  private readonly o: Required<SpeedEstimatorOptions>;
  private tracks = new Map<number, Sample[]>();
  /** Where ground positions are trusted; null = everywhere. */
  private readonly trusted: TrustedGround | null;

  /**
   * @param calibrationWorld the calibration's ground points; with them, positions far outside are
   *   not trusted (see trustMargin). Without, every position is.
   */
  constructor(
    readonly homography: Homography,
    options: SpeedEstimatorOptions = {},
    calibrationWorld?: ReadonlyArray<readonly [number, number]>,
  ) {
    const o = { ...DEFAULT_SPEED_ESTIMATOR_OPTIONS, ...options };
    for (const [k, v] of Object.entries(o)) {
      if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
        throw new RangeError(`SpeedEstimator: ${k} must be a finite number >= 0, got ${String(v)}`);
      }
    }
    if (o.minPoints < 2) throw new RangeError(`SpeedEstimator: minPoints must be >= 2, got ${o.minPoints}`);
    if (o.maxSpeedKmh <= 0) throw new RangeError('SpeedEstimator: maxSpeedKmh must be > 0');
    this.o = o;
    this.trusted = calibrationWorld?.length ? new TrustedGround(calibrationWorld, o.trustMargin) : null;
  }

  static restore(
    state: SpeedEstimatorState,
    homography: Homography,
    options?: SpeedEstimatorOptions,
    calibrationWorld?: ReadonlyArray<readonly [number, number]>,
  ) {
    if (state.version !== 1) throw new RangeError(`SpeedEstimator.restore: unknown version ${state.version}`);
    const s = new SpeedEstimator(homography, options, calibrationWorld);
    for (const t of state.tracks)
      s.tracks.set(
        t.trackId,
        t.samples.map((p) => [...p] as Sample),
      );
    return s;
  }

  snapshot(): SpeedEstimatorState {
    return {
      version: 1,
      tracks: [...this.tracks].map(([trackId, samples]) => ({
        trackId,
        samples: samples.map((p) => [...p]),
      })),
    } as SpeedEstimatorState;
  }

  /** Where the anchor lies on the ground, and the track's current speed, without taking it as a sample. */
  locate(trackId: number, anchor: readonly [number, number]): SpeedReading {
    return { world: this.ground(anchor), speedKmh: this.current(trackId) };
  }

  /** The anchor's ground point, or null beyond the horizon or outside the trusted ground. */
  private ground(anchor: readonly [number, number]): [number, number] | null {
    const world = this.homography.toWorld([anchor[0], anchor[1]]);
    return world && (!this.trusted || this.trusted.contains(world)) ? [world[0], world[1]] : null;
  }

  /** The track's anchor (image pixels) at tsMs; returns its ground position and current speed. */
  update(trackId: number, anchor: readonly [number, number], tsMs: number): SpeedReading {
    const world = this.ground(anchor);
    if (!world) return { world: null, speedKmh: this.current(trackId) };
    let samples = this.tracks.get(trackId);
    if (!samples) {
      samples = [];
      this.tracks.set(trackId, samples);
    }
    const last = samples[samples.length - 1];
    if (last) {
      if (tsMs <= last[0]) return { world, speedKmh: this.current(trackId) };
      // A teleport is a different object under the same id: start over rather than average it in.
      // A jump beyond what maxSpeedKmh allows by more than JUMP_NOISE_M: at 10 fps a lorry's box
      // bottom jitters by a few pixels, metres at 30 m out, more than a frame's travel at that speed.
      const dt = (tsMs - last[0]) / 1000;
      const jump = Math.hypot(world[0] - last[1], world[1] - last[2]) - (this.o.maxSpeedKmh / 3.6) * dt;
      if (jump > JUMP_NOISE_M && tsMs - last[0] < 2 * this.o.windowMs) samples.length = 0;
    }
    samples.push([tsMs, world[0], world[1]]);
    while (samples.length > 2 && tsMs - samples[0][0] > this.o.windowMs) samples.shift();
    return { world, speedKmh: this.current(trackId) };
  }

  /** The current speed of a track from its window, km/h, or null. */
  current(trackId: number): number | null {
    const samples = this.tracks.get(trackId);
    if (!samples || samples.length < this.o.minPoints) return null;
    if (samples[samples.length - 1][0] - samples[0][0] < this.o.minHistoryMs) return null;
    const fit = fitVelocity(samples);
    const residuals = samples.map((p) => residual(fit, p));
    const sigma = 1.4826 * median(residuals);
    const limit = Math.max(this.o.minOutlierM, 3 * sigma);
    const kept = samples.filter((_, i) => residuals[i] <= limit);
    const use = kept.length >= this.o.minPoints ? kept : samples;
    // A straight line gives the mean velocity over the window, i.e. about half a window ago: a car
    // accelerating away from a stop line reads low. With enough points a parabola is fitted and its
    // slope taken at the newest point; its extra noise averages out over the vehicles of an interval.
    // Only its component along the direction of travel (the straight line's) is taken: noise across
    // the road would otherwise add to the magnitude and bias it upwards.
    const line = fitVelocity(use);
    const mean = Math.hypot(line.vx, line.vy);
    let ms = mean;
    if (use.length >= QUADRATIC_MIN_POINTS && mean > 0.3) {
      const end = endVelocity(use);
      ms = Math.max(0, (end.vx * line.vx + end.vy * line.vy) / mean);
    }
    return Math.min(ms * 3.6, this.o.maxSpeedKmh);
  }

  /** Drops a track's history (it ended). */
  forget(trackId: number): void {
    this.tracks.delete(trackId);
  }

  /** Drops the histories of tracks not seen since before tsMs − keepMs. */
  prune(tsMs: number, keepMs: number): void {
    for (const [id, s] of this.tracks) if (tsMs - s[s.length - 1][0] > keepMs) this.tracks.delete(id);
  }
}

interface Fit {
  t0: number;
  x0: number;
  y0: number;
  /** metres per second */
  vx: number;
  vy: number;
}

/** How far past a step maxSpeedKmh allows a position may lie and still be the same object (box jitter), m. */
const JUMP_NOISE_M = 3;

/** Points from which the quadratic fit is used (below: the straight line). */
const QUADRATIC_MIN_POINTS = 7;
/** Where on the parabola the slope is read, seconds before the newest point. */
const AT_S = -0.4;

/**
 * Velocity at the newest sample from least-squares parabolas x(τ) = a + b·τ + c·τ², τ = t − t_newest
 * in seconds (likewise y): the slope at τ = 0 is b.
 */
function endVelocity(samples: readonly Sample[]): { vx: number; vy: number } {
  const tn = samples[samples.length - 1][0];
  // Normal equations of the 3-parameter fit, solved by Cramer's rule (3×3).
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let x0 = 0;
  let x1 = 0;
  let x2 = 0;
  let y0 = 0;
  let y1 = 0;
  let y2 = 0;
  for (const [t, x, y] of samples) {
    const u = (t - tn) / 1000;
    const u2 = u * u;
    s0 += 1;
    s1 += u;
    s2 += u2;
    s3 += u2 * u;
    s4 += u2 * u2;
    x0 += x;
    x1 += x * u;
    x2 += x * u2;
    y0 += y;
    y1 += y * u;
    y2 += y * u2;
  }
  const det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2);
  if (Math.abs(det) < 1e-12) return fitVelocity(samples);
  // b = det([[s0, r0, s2], [s1, r1, s3], [s2, r2, s4]]) / det, c = det([[s0, s1, r0], [s1, s2, r1], [s2, s3, r2]]) / det
  const slope = (r0: number, r1: number, r2: number) => {
    const b = (s0 * (r1 * s4 - s3 * r2) - r0 * (s1 * s4 - s3 * s2) + s2 * (s1 * r2 - r1 * s2)) / det;
    const c = (s0 * (s2 * r2 - r1 * s3) - s1 * (s1 * r2 - r1 * s2) + r0 * (s1 * s3 - s2 * s2)) / det;
    return b + 2 * c * AT_S;
  };
  return { vx: slope(x0, x1, x2), vy: slope(y0, y1, y2) };
}

/** Least-squares x(t) = x0 + vx·(t − t̄), y likewise; t in seconds. */
function fitVelocity(samples: readonly Sample[]): Fit {
  const n = samples.length;
  let mt = 0;
  let mx = 0;
  let my = 0;
  for (const [t, x, y] of samples) {
    mt += t / 1000;
    mx += x;
    my += y;
  }
  mt /= n;
  mx /= n;
  my /= n;
  let stt = 0;
  let stx = 0;
  let sty = 0;
  for (const [t, x, y] of samples) {
    const dt = t / 1000 - mt;
    stt += dt * dt;
    stx += dt * (x - mx);
    sty += dt * (y - my);
  }
  return stt > 0
    ? { t0: mt, x0: mx, y0: my, vx: stx / stt, vy: sty / stt }
    : { t0: mt, x0: mx, y0: my, vx: 0, vy: 0 };
}

function residual(f: Fit, [t, x, y]: Sample): number {
  const dt = t / 1000 - f.t0;
  return Math.hypot(x - (f.x0 + f.vx * dt), y - (f.y0 + f.vy * dt));
}
