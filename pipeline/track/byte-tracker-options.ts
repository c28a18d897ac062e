import { DEFAULT_KALMAN_NOISE, KalmanBoxFilter, type KalmanBoxNoise } from './kalman-box-filter.ts';

export interface ByteTrackerOptions {
  /** Detections at or above this score take part in the first association (default 0.5). */
  highThreshold?: number;
  /** Detections below this score are ignored; between it and highThreshold: second association (default 0.1). */
  lowThreshold?: number;
  /** An unmatched detection starts a track only at or above this score (default 0.6). */
  newTrackThreshold?: number;
  /** Below this IoU a pair is judged by the distance gate instead (default 0.1). */
  minIou?: number;
  /** Chi-square (2 dof) gate on the Mahalanobis centre distance when IoU < minIou (default 9.21 = 99 %). */
  distanceGate?: number;
  /** In the distance regime, each of w and h may differ from the prediction by at most this factor (default 1.6). */
  maxSizeRatio?: number;
  /** 2nd association (low-score detections) accepts IoU ≥ minIou, or d² ≤ this share of distanceGate (default 0.25). */
  secondStageGateShare?: number;
  /** Hits (matched detections) before a tentative track is confirmed and reported (default 2). */
  minHits?: number;
  /** How long a confirmed track stays lost, re-associable, after its last detection (default 1500 ms). */
  lostTtlMs?: number;
  /**
   * ... or this many frame intervals (at the rate updates come), whichever is longer (default 4), as
   * ByteTrack's track_buffer: at 5 fps the 1.5 s hold, at 2 fps 2 s, so that a 1 s occlusion (two
   * missed frames) is bridged at low rates while a lost track in a dense queue does not linger to
   * take the next vehicle's detections at higher ones.
   */
  lostFrames?: number;
  /** Kalman noise model, relative to box size. */
  noise?: Partial<KalmanBoxNoise>;
}

export type ResolvedByteTrackerOptions = Required<Omit<ByteTrackerOptions, 'noise'>> & {
  noise: KalmanBoxNoise;
};

export const DEFAULT_BYTE_TRACKER_OPTIONS: Readonly<Required<Omit<ByteTrackerOptions, 'noise'>>> = {
  highThreshold: 0.5,
  lowThreshold: 0.1,
  newTrackThreshold: 0.6,
  minIou: 0.1,
  distanceGate: 9.21,
  maxSizeRatio: 1.6,
  secondStageGateShare: 0.25,
  minHits: 2,
  lostTtlMs: 1500,
  lostFrames: 4,
};

/** The options with their defaults, validated: a RangeError names the first bad one. */
export function resolveByteTrackerOptions(options: ByteTrackerOptions): ResolvedByteTrackerOptions {
  const o = {
    ...DEFAULT_BYTE_TRACKER_OPTIONS,
    ...options,
    noise: { ...DEFAULT_KALMAN_NOISE, ...options.noise },
  };
  const unit = (name: keyof typeof DEFAULT_BYTE_TRACKER_OPTIONS) => {
    const v = o[name];
    if (!(v >= 0 && v <= 1)) throw new RangeError(`ByteTracker: ${name} must be in [0, 1], got ${v}`);
  };
  unit('highThreshold');
  unit('lowThreshold');
  unit('newTrackThreshold');
  unit('minIou');
  unit('secondStageGateShare');
  if (o.lowThreshold > o.highThreshold) {
    throw new RangeError(
      `ByteTracker: lowThreshold (${o.lowThreshold}) must be <= highThreshold (${o.highThreshold})`,
    );
  }
  if (o.newTrackThreshold < o.highThreshold) {
    throw new RangeError(
      `ByteTracker: newTrackThreshold (${o.newTrackThreshold}) must be >= highThreshold (${o.highThreshold})`,
    );
  }
  if (!(o.minIou > 0)) throw new RangeError(`ByteTracker: minIou must be > 0, got ${o.minIou}`);
  if (!(o.distanceGate >= 0 && Number.isFinite(o.distanceGate))) {
    throw new RangeError(`ByteTracker: distanceGate must be a finite number >= 0, got ${o.distanceGate}`);
  }
  if (!(o.maxSizeRatio >= 1 && Number.isFinite(o.maxSizeRatio))) {
    throw new RangeError(`ByteTracker: maxSizeRatio must be a finite number >= 1, got ${o.maxSizeRatio}`);
  }
  if (!(Number.isInteger(o.minHits) && o.minHits >= 1)) {
    throw new RangeError(`ByteTracker: minHits must be an integer >= 1, got ${o.minHits}`);
  }
  if (!(o.lostTtlMs >= 0 && Number.isFinite(o.lostTtlMs))) {
    throw new RangeError(`ByteTracker: lostTtlMs must be a finite number >= 0, got ${o.lostTtlMs}`);
  }
  if (!(o.lostFrames >= 0 && Number.isFinite(o.lostFrames))) {
    throw new RangeError(`ByteTracker: lostFrames must be a finite number >= 0, got ${o.lostFrames}`);
  }
  // Let the filter validate the noise model now rather than on the first detection.
  new KalmanBoxFilter({ x: 0, y: 0, w: 1, h: 1 }, o.noise);
  return o;
}
