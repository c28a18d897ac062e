import type { Box } from '../../schemas/detection.ts';

/** Noise model of a {@link KalmanBoxFilter}; every standard deviation is relative to the box size. */
export interface KalmanBoxNoise {
  /** Measurement noise: std of a detected cx and w as a share of the box width (cy and h: of its height). */
  measurementStd: number;
  /** Velocity std of a new track, in box sizes per second (how far it may have been moving already). */
  initialVelocityStd: number;
  /** White-noise acceleration std of cx, cy, in box sizes per second². */
  accelerationStd: number;
  /** White-noise acceleration std of w, h (growing, shrinking), in box sizes per second². */
  sizeAccelerationStd: number;
}

export const DEFAULT_KALMAN_NOISE: Readonly<KalmanBoxNoise> = {
  measurementStd: 0.05,
  initialVelocityStd: 2.5,
  accelerationStd: 0.5,
  sizeAccelerationStd: 0.2,
};

/** Plain-JSON state of a filter, for snapshots. */
export interface KalmanBoxState {
  /** [cx, cy, w, h, vcx, vcy, vw, vh], pixels and pixels per second. */
  mean: number[];
  /** 8×8 covariance, row-major. */
  covariance: number[];
}

const N = 8;

/**
 * A constant-velocity Kalman filter over one box, in continuous time (dt in seconds, any spacing).
 *
 *   state  x = [cx, cy, w, h, vcx, vcy, vw, vh]        measurement z = [cx, cy, w, h]
 *
 *          ┌──────── w ────────┐
 *          │                   │ h        predict:  position += velocity · dt
 *          │        (cx,cy) ───┼──▶ v     update:   blend with the detection by their covariances
 *          └───────────────────┘
 *
 * Noise is scaled by the box size on each axis (cx and w by the width, cy and h by the height), so one
 * tuning fits a near truck and a far motorcycle. The process noise is the continuous white-noise
 * acceleration model, [[dt³/3, dt²/2], [dt²/2, dt]]·σa², so uncertainty grows correctly over a long gap
 * between detections (2 fps, a missed frame, an occlusion) instead of once per frame.
 * Width and height are tracked rather than an aspect ratio: vehicles turning change one, not both.
 *
 * @example
 *   const kf = new KalmanBoxFilter({ x: 100, y: 50, w: 40, h: 20 });
 *   kf.predict(0.2);                                // 200 ms later
 *   kf.update({ x: 110, y: 50, w: 40, h: 20 });     // detection at that time
 *   kf.box();                                       // filtered box; kf.velocity() in px/s
 */
export class KalmanBoxFilter {
  /** [cx, cy, w, h, vcx, vcy, vw, vh]. */
  readonly mean = new Float64Array(N);
  /** Row-major 8×8. */
  readonly covariance = new Float64Array(N * N);
  private readonly noise: KalmanBoxNoise;

  constructor(box: Box, noise: Partial<KalmanBoxNoise> = {}) {
    this.noise = validateNoise({ ...DEFAULT_KALMAN_NOISE, ...noise });
    if (!(box.w > 0 && box.h > 0)) {
      throw new RangeError(`KalmanBoxFilter: box w and h must be > 0, got ${box.w}×${box.h}`);
    }
    const m = this.mean;
    m[0] = box.x + box.w / 2;
    m[1] = box.y + box.h / 2;
    m[2] = box.w;
    m[3] = box.h;
    const { measurementStd: ms, initialVelocityStd: vs } = this.noise;
    const sizes = [box.w, box.h, box.w, box.h];
    for (let k = 0; k < 4; k++) {
      // Size velocities start far less uncertain than position velocities.
      const v = k < 2 ? vs : vs * 0.1;
      this.covariance[k * N + k] = (2 * ms * sizes[k]) ** 2;
      this.covariance[(k + 4) * N + k + 4] = (v * sizes[k]) ** 2;
    }
  }

  static fromState(state: KalmanBoxState, noise: Partial<KalmanBoxNoise> = {}): KalmanBoxFilter {
    if (state.mean.length !== N || state.covariance.length !== N * N) {
      throw new RangeError('KalmanBoxFilter.fromState: mean must have 8 values and covariance 64');
    }
    const kf = new KalmanBoxFilter({ x: 0, y: 0, w: 1, h: 1 }, noise);
    kf.mean.set(state.mean);
    kf.covariance.set(state.covariance);
    return kf;
  }

  toState(): KalmanBoxState {
    return { mean: Array.from(this.mean), covariance: Array.from(this.covariance) };
  }

  /** Advances the state by dtSec seconds (0 is a no-op). */
  predict(dtSec: number): void {
    if (!(dtSec >= 0)) throw new RangeError(`KalmanBoxFilter.predict: dtSec must be >= 0, got ${dtSec}`);
    if (dtSec === 0) return;
    const m = this.mean;
    const P = this.covariance;
    for (let k = 0; k < 4; k++) m[k] += m[k + 4] * dtSec;
    // P ← F P Fᵀ with F = [[I, dt·I], [0, I]]: rows first (F P), then columns (· Fᵀ).
    for (let k = 0; k < 4; k++) for (let j = 0; j < N; j++) P[k * N + j] += dtSec * P[(k + 4) * N + j];
    for (let i = 0; i < N; i++) for (let k = 0; k < 4; k++) P[i * N + k] += dtSec * P[i * N + k + 4];
    // P ← P + Q, continuous white-noise acceleration, scaled by the current box size.
    const w = Math.max(m[2], 1);
    const h = Math.max(m[3], 1);
    const sizes = [w, h, w, h];
    const dt2 = dtSec * dtSec;
    for (let k = 0; k < 4; k++) {
      const a = (k < 2 ? this.noise.accelerationStd : this.noise.sizeAccelerationStd) * sizes[k];
      const q = a * a;
      P[k * N + k] += (q * dt2 * dtSec) / 3;
      P[k * N + k + 4] += (q * dt2) / 2;
      P[(k + 4) * N + k] += (q * dt2) / 2;
      P[(k + 4) * N + k + 4] += q * dtSec;
    }
  }

  /**
   * Sets the centre velocity from a measurement (px/s), e.g. image motion traced through the frames
   * before a new track's first detection, with its uncertainty as a share of the box size per second.
   */
  seedVelocity(vx: number, vy: number, stdShare: number): void {
    if (!(Number.isFinite(vx) && Number.isFinite(vy) && stdShare > 0)) {
      throw new RangeError(`KalmanBoxFilter.seedVelocity: finite velocity and stdShare > 0 required`);
    }
    this.mean[4] = vx;
    this.mean[5] = vy;
    this.covariance[4 * N + 4] = (stdShare * this.mean[2]) ** 2;
    this.covariance[5 * N + 5] = (stdShare * this.mean[3]) ** 2;
  }

  /** Corrects the state with a detected box. */
  update(box: Box): void {
    const m = this.mean;
    const P = this.covariance;
    const S = this.innovationCovariance(box.w, box.h);
    const Si = invert4(S);
    // K = P Hᵀ S⁻¹ (8×4); P Hᵀ is the first four columns of P.
    const K = new Float64Array(N * 4);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += P[i * N + k] * Si[k * 4 + j];
        K[i * 4 + j] = s;
      }
    }
    const y = [box.x + box.w / 2 - m[0], box.y + box.h / 2 - m[1], box.w - m[2], box.h - m[3]];
    for (let i = 0; i < N; i++) {
      m[i] += K[i * 4] * y[0] + K[i * 4 + 1] * y[1] + K[i * 4 + 2] * y[2] + K[i * 4 + 3] * y[3];
    }
    // P ← P − K H P; H P is the first four rows of P.
    const next = new Float64Array(N * N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += K[i * 4 + k] * P[k * N + j];
        next[i * N + j] = P[i * N + j] - s;
      }
    }
    // Keep it symmetric against rounding.
    for (let i = 0; i < N; i++) {
      for (let j = i; j < N; j++) {
        const v = (next[i * N + j] + next[j * N + i]) / 2;
        P[i * N + j] = v;
        P[j * N + i] = v;
      }
    }
  }

  /**
   * Squared Mahalanobis distance between the predicted centre and a box's centre, under the predicted
   * position covariance plus measurement noise: chi-square with 2 degrees of freedom (9.21 = 99 %).
   */
  centreDistance2(box: Box): number {
    const m = this.mean;
    const P = this.covariance;
    const r0 = (this.noise.measurementStd * box.w) ** 2;
    const r1 = (this.noise.measurementStd * box.h) ** 2;
    const a = P[0] + r0;
    const b = P[1];
    const d = P[N + 1] + r1;
    const det = a * d - b * b;
    const dx = box.x + box.w / 2 - m[0];
    const dy = box.y + box.h / 2 - m[1];
    return (d * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
  }

  /** The filtered box (w, h at least 1 px). */
  box(): Box {
    const w = Math.max(this.mean[2], 1);
    const h = Math.max(this.mean[3], 1);
    return { x: this.mean[0] - w / 2, y: this.mean[1] - h / 2, w, h };
  }

  /** Centre velocity in pixels per second. */
  velocity(): { vx: number; vy: number } {
    return { vx: this.mean[4], vy: this.mean[5] };
  }

  /** Stops the size from drifting while the object goes unseen (ByteTrack does the same). */
  freezeSize(): void {
    this.mean[6] = 0;
    this.mean[7] = 0;
  }

  /** H P Hᵀ + R: the predicted measurement covariance, 4×4 row-major. */
  private innovationCovariance(w: number, h: number): Float64Array {
    const P = this.covariance;
    const S = new Float64Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) S[i * 4 + j] = P[i * N + j];
    const ms = this.noise.measurementStd;
    const sizes = [w, h, w, h];
    for (let k = 0; k < 4; k++) S[k * 4 + k] += (ms * sizes[k]) ** 2;
    return S;
  }
}

function validateNoise(n: KalmanBoxNoise): KalmanBoxNoise {
  for (const key of Object.keys(DEFAULT_KALMAN_NOISE) as (keyof KalmanBoxNoise)[]) {
    if (!(n[key] > 0 && Number.isFinite(n[key]))) {
      throw new RangeError(`KalmanBoxFilter: ${key} must be a finite number > 0, got ${n[key]}`);
    }
  }
  return n;
}

/** Inverse of a symmetric positive-definite 4×4 matrix, by Gauss-Jordan elimination with pivoting. */
function invert4(a: Float64Array): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(16);
  for (let i = 0; i < 4; i++) inv[i * 5] = 1;
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(m[r * 4 + c]) > Math.abs(m[p * 4 + c])) p = r;
    if (p !== c) {
      for (let j = 0; j < 4; j++) {
        [m[c * 4 + j], m[p * 4 + j]] = [m[p * 4 + j], m[c * 4 + j]];
        [inv[c * 4 + j], inv[p * 4 + j]] = [inv[p * 4 + j], inv[c * 4 + j]];
      }
    }
    const d = m[c * 4 + c];
    for (let j = 0; j < 4; j++) {
      m[c * 4 + j] /= d;
      inv[c * 4 + j] /= d;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = m[r * 4 + c];
      if (f === 0) continue;
      for (let j = 0; j < 4; j++) {
        m[r * 4 + j] -= f * m[c * 4 + j];
        inv[r * 4 + j] -= f * inv[c * 4 + j];
      }
    }
  }
  return inv;
}
