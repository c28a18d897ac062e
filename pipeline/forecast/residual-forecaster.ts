import { SeasonalProfile, type SeasonalProfileOptions } from './seasonal-profile.ts';

/** A forecast with its 80 % band (profile + correction ± 1.28 σ of the fit's errors). */
export interface ForecastPoint {
  value: number;
  low: number;
  high: number;
}

export interface ResidualForecasterOptions extends SeasonalProfileOptions {
  /** Steps ahead (15-minute intervals) to fit, e.g. [1, 2, 4] for 15, 30 and 60 minutes. */
  horizons: readonly number[];
  /** The upstream camera's series on the same grid (its residual is a feature); optional. */
  neighbour?: Float64Array;
  /** Forecasts below zero become zero (volumes, speeds). Default true. */
  nonNegative?: boolean;
}

interface Fit {
  coef: number[];
  sigma: number;
  samples: number;
}

const Z80 = 1.2816; // two-sided 80 % of a normal distribution
const MIN_SAMPLES = 48; // half a day of issue times: fewer and the correction stays off

/**
 * Short-term forecast of a 15-minute series: the seasonal profile of the target slot, corrected by
 * a least-squares regression of the target's residual on the latest residuals (closed form, one
 * small linear system per horizon, no ML dependency):
 *
 *   ŷ(t+h) = profile(t+h) + b₀ + b₁·r(t) + b₂·r(t−1) + b₃·rₙ(t)     r = y − profile
 *
 * where rₙ is the upstream camera's residual (a queue or an incident there arrives here later).
 * Residuals carry what the timetable does not know: today's weather, an incident, a holiday.
 * They fade with the horizon, so the fitted b₁ shrinks from 15 to 60 minutes and the forecast
 * returns to the profile.
 *
 * @example
 *   const f = new ResidualForecaster(volumes, { horizons: [1, 2, 4] }).fit(0, volumes.length);
 *   f.predict(volumes.length - 1, 2); // { value, low, high } 30 minutes after the last interval
 */
export class ResidualForecaster {
  readonly profile: SeasonalProfile;
  private readonly neighbourProfile: SeasonalProfile | null;
  private readonly fits = new Map<number, Fit>();

  constructor(
    private readonly series: Float64Array,
    private readonly o: ResidualForecasterOptions,
  ) {
    if (!o.horizons.length || o.horizons.some((h) => !Number.isInteger(h) || h < 1))
      throw new RangeError(
        `ResidualForecaster: horizons must be whole steps >= 1, got [${o.horizons.join(', ')}]`,
      );
    if (o.neighbour && o.neighbour.length !== series.length)
      throw new RangeError('ResidualForecaster: the neighbour series must be on the same grid (same length)');
    this.profile = new SeasonalProfile(series, o);
    this.neighbourProfile = o.neighbour ? new SeasonalProfile(o.neighbour, o) : null;
  }

  private residual(i: number): number {
    return i >= 0 && i < this.series.length ? this.series[i] - this.profile.at(i) : Number.NaN;
  }

  private neighbourResidual(i: number): number {
    const n = this.o.neighbour;
    if (!n || !this.neighbourProfile || i < 0 || i >= n.length) return 0;
    const r = n[i] - this.neighbourProfile.at(i);
    return Number.isFinite(r) ? r : 0;
  }

  /** Features at issue time t: [1, r(t), r(t−1), rₙ(t)], or null when r(t) is unknown. */
  private features(t: number): number[] | null {
    const r0 = this.residual(t);
    if (!Number.isFinite(r0)) return null;
    const r1 = this.residual(t - 1);
    return [1, r0, Number.isFinite(r1) ? r1 : r0, this.neighbourResidual(t)];
  }

  /** Fits every horizon on the issue times t in [from, to) whose target t+h lies before `to`. */
  fit(from: number, to: number): this {
    for (const h of this.o.horizons) {
      const xs: number[][] = [];
      const ys: number[] = [];
      for (let t = Math.max(0, from); t + h < Math.min(to, this.series.length); t++) {
        const x = this.features(t);
        const y = this.residual(t + h);
        if (x && Number.isFinite(y)) {
          xs.push(x);
          ys.push(y);
        }
      }
      const coef = xs.length >= MIN_SAMPLES ? ridge(xs, ys) : [0, 0, 0, 0];
      const errs = xs.map((x, i) => ys[i] - dot(coef, x));
      const sigma = errs.length ? Math.sqrt(errs.reduce((a, e) => a + e * e, 0) / errs.length) : Number.NaN;
      this.fits.set(h, { coef, sigma, samples: xs.length });
    }
    return this;
  }

  /** The fitted coefficients and error of horizon h (after fit). */
  fitOf(h: number): Readonly<Fit> | undefined {
    return this.fits.get(h);
  }

  /** The forecast for t+h made at t, from data up to t only; null without a profile for t+h. */
  predict(t: number, h: number): ForecastPoint | null {
    const fit = this.fits.get(h);
    if (!fit) throw new Error(`ResidualForecaster: horizon ${h} was not fitted`);
    const base = this.profile.at(t + h);
    if (!Number.isFinite(base)) return null;
    const x = this.features(t);
    const floor = this.o.nonNegative === false ? -Infinity : 0;
    const value = Math.max(floor, base + (x ? dot(fit.coef, x) : 0));
    const band = Number.isFinite(fit.sigma) ? Z80 * fit.sigma : 0;
    return { value, low: Math.max(floor, value - band), high: value + band };
  }
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Least squares with a small ridge on the non-intercept terms (a constant column would be singular). */
export function ridge(xs: readonly number[][], ys: readonly number[]): number[] {
  const k = xs[0].length;
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  xs.forEach((x, n) => {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) a[i][j] += x[i] * x[j];
      a[i][k] += x[i] * ys[n];
    }
  });
  const trace = a.reduce((s, row, i) => s + row[i], 0);
  for (let i = 1; i < k; i++) a[i][i] += 1e-6 * trace + 1e-9;
  return solve(a);
}

/** Gaussian elimination with partial pivoting on an augmented k × (k+1) matrix. */
function solve(a: number[][]): number[] {
  const k = a.length;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    if (Math.abs(a[c][c]) < 1e-12) continue; // a dead column: its coefficient stays 0
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let j = c; j <= k; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((row, i) => (Math.abs(row[i]) < 1e-12 ? 0 : row[k] / row[i]));
}
