import { PRODUCT_CLASSES, type ProductClass } from '../../schemas/classes.ts';
import type { Detection } from '../../schemas/detection.ts';
import { iou } from '../geometry/box-iou.ts';
import { matchWithLimit } from './assignment.ts';
import {
  DEFAULT_KALMAN_NOISE,
  KalmanBoxFilter,
  type KalmanBoxNoise,
  type KalmanBoxState,
} from './kalman-box-filter.ts';

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

type Resolved = Required<Omit<ByteTrackerOptions, 'noise'>> & { noise: KalmanBoxNoise };

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

/** A detection the tracker assigned to a confirmed track; cls is the track's score-weighted class vote. */
export interface TrackedDetection extends Detection {
  trackId: number;
  /** The class the detector gave this detection (cls is the track's vote). */
  detectedCls: ProductClass;
  /** The track's filtered centre velocity, pixels per second. */
  velocity: { vx: number; vy: number };
}

export type TrackStatus = 'tentative' | 'confirmed' | 'lost';

/** One track in a {@link TrackerState}. */
export interface TrackState {
  /** Assigned on confirmation; -1 while tentative. */
  id: number;
  status: TrackStatus;
  hits: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Summed detection scores per class. */
  votes: Partial<Record<ProductClass, number>>;
  kalman: KalmanBoxState;
}

/** Everything a tracker needs to carry on: plain JSON, for Redis between segments or worker restarts. */
export interface TrackerState {
  version: 1;
  /** Timestamp of the last update, or null before the first. */
  lastTsMs: number | null;
  /** Smoothed interval between updates, ms (for lostFrames), or null before the second. */
  frameMs?: number | null;
  nextId: number;
  tracks: TrackState[];
}

interface Track {
  id: number;
  status: TrackStatus;
  hits: number;
  firstSeenMs: number;
  lastSeenMs: number;
  votes: Partial<Record<ProductClass, number>>;
  kf: KalmanBoxFilter;
}

/**
 * ByteTrack (Zhang et al., 2022) over a constant-velocity Kalman filter, in time rather than frames,
 * tuned for low detection rates (2–5 fps).
 *
 *   detections ─┬─ score ≥ high ──▶ 1st association: all tracks (confirmed, tentative, lost)
 *               │                      │ unmatched tracks
 *               └─ low ≤ score < high ─▶ 2nd association: all remaining tracks (stricter gate)
 *   unmatched high detections ≥ newTrackThreshold ──▶ new tentative tracks
 *
 *   lifecycle:  tentative ──(minHits hits)──▶ confirmed ◀──(matched)──▶ lost ──(lostBufferMs)──▶ removed
 *                   └──(missed once)──▶ removed
 *
 * Association cost of track t (Kalman prediction at the detection's time) and detection d:
 *
 *   IoU ≥ minIou                        cost = 1 − IoU                    in [0, 1 − minIou]
 *   else Mahalanobis d² ≤ distanceGate  cost = 1 + dist / (dist + size)   in [1, 2)  (w, h within maxSizeRatio)
 *   else                                forbidden
 *
 *   dist = centre distance in pixels, size = √(w·h) of the detection; 2nd association: d² ≤ gate·secondStageGateShare
 *
 * Why the distance fallback: at 2 fps a car moves one to two of its lengths between frames, so even a
 * good prediction may not overlap the detection, and a new track (no velocity yet) never does. The
 * gate is the Kalman innovation covariance of the centre, which is proportional to the box size per
 * axis and grows with the time since the last detection and with velocity uncertainty: wide for a
 * track seen once or lost for a second, tight for a steady one. Inside the gate, pairs are ranked by
 * distance in box sizes rather than by d², so a lost track's wide gate does not make it a cheaper match
 * than a steady track whose prediction lies closer. Any overlapping pair costs less than any
 * distance-only pair, and the Hungarian method picks the globally cheapest assignment.
 *
 * Unlike ByteTrack, the 2nd association also offers lost and tentative tracks: at 2–5 fps one missed
 * frame makes a track lost, and a partly hidden vehicle reappearing with a low score is just the case
 * to re-associate; the stricter gate keeps stray low-score boxes from feeding tracks.
 *
 * A track's id is assigned when it is confirmed, so reported ids have no gaps; only detections of
 * confirmed tracks are reported. Timestamps must not go backwards.
 *
 * @example
 *   const tracker = new ByteTracker({ lostTtlMs: 1500 });
 *   for (const { detections, tsMs } of frames) {
 *     for (const d of tracker.update(detections, tsMs)) console.log(d.trackId, d.cls, d.box);
 *   }
 *   await redis.set(key, JSON.stringify(tracker.snapshot()));
 *   const saved = await redis.get(key); // next segment, maybe another worker: same options
 *   const resumed = saved ? ByteTracker.restore(JSON.parse(saved), { lostTtlMs: 1500 }) : new ByteTracker({ lostTtlMs: 1500 });
 */
export class ByteTracker {
  private readonly o: Resolved;
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTsMs: number | null = null;
  private frameMs: number | null = null;

  constructor(options: ByteTrackerOptions = {}) {
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
    this.o = o;
  }

  /** A tracker that carries on from a {@link snapshot}, as if it had never stopped. */
  static restore(state: TrackerState, options: ByteTrackerOptions = {}): ByteTracker {
    if (state.version !== 1)
      throw new RangeError(`ByteTracker.restore: unknown state version ${state.version}`);
    const t = new ByteTracker(options);
    t.lastTsMs = state.lastTsMs;
    t.frameMs = state.frameMs ?? null;
    t.nextId = state.nextId;
    t.tracks = state.tracks.map((s) => ({
      id: s.id,
      status: s.status,
      hits: s.hits,
      firstSeenMs: s.firstSeenMs,
      lastSeenMs: s.lastSeenMs,
      votes: { ...s.votes },
      kf: KalmanBoxFilter.fromState(s.kalman, t.o.noise),
    }));
    return t;
  }

  /** How long a lost track is kept now: lostTtlMs, or lostFrames frame intervals if longer. */
  get lostBufferMs(): number {
    return Math.max(this.o.lostTtlMs, this.o.lostFrames * (this.frameMs ?? 0));
  }

  /** Plain-JSON state; {@link ByteTracker.restore} resumes from it exactly. */
  snapshot(): TrackerState {
    return {
      version: 1,
      lastTsMs: this.lastTsMs,
      frameMs: this.frameMs,
      nextId: this.nextId,
      tracks: this.tracks.map((t) => ({
        id: t.id,
        status: t.status,
        hits: t.hits,
        firstSeenMs: t.firstSeenMs,
        lastSeenMs: t.lastSeenMs,
        votes: { ...t.votes },
        kalman: t.kf.toState(),
      })),
    };
  }

  /** Tracks by status, for diagnostics. */
  get counts(): Record<TrackStatus, number> {
    const c = { tentative: 0, confirmed: 0, lost: 0 };
    for (const t of this.tracks) c[t.status]++;
    return c;
  }

  /**
   * Associates one frame's detections (taken at tsMs) with the tracks; returns, in input order, the
   * detections that belong to confirmed tracks, with trackId and the track's class.
   */
  update(detections: Detection[], tsMs: number): TrackedDetection[] {
    if (!Number.isFinite(tsMs)) throw new RangeError(`ByteTracker.update: tsMs must be finite, got ${tsMs}`);
    if (this.lastTsMs !== null && tsMs < this.lastTsMs) {
      throw new RangeError(`ByteTracker.update: tsMs went backwards (${tsMs} < ${this.lastTsMs})`);
    }
    const dtSec = this.lastTsMs === null ? 0 : (tsMs - this.lastTsMs) / 1000;
    // The update rate, smoothed; gaps (a camera offline, a skipped segment) are not frame intervals.
    if (dtSec > 0 && dtSec < 10) {
      const ms = dtSec * 1000;
      this.frameMs = this.frameMs === null ? ms : 0.9 * this.frameMs + 0.1 * ms;
    }
    this.lastTsMs = tsMs;
    const ttl = this.lostBufferMs;
    // Lost tracks past their time go before associating, not after: a gap longer than the buffer
    // (a slow frame, a skipped segment) must not revive them.
    this.tracks = this.tracks.filter((t) => tsMs - t.lastSeenMs <= ttl);
    for (const t of this.tracks) t.kf.predict(dtSec);

    const high: number[] = [];
    const low: number[] = [];
    for (const [i, d] of detections.entries()) {
      if (!(d.box.w > 0 && d.box.h > 0)) continue;
      if (d.score >= this.o.highThreshold) high.push(i);
      else if (d.score >= this.o.lowThreshold) low.push(i);
    }
    const trackOf = new Array<Track | undefined>(detections.length);
    const matched = new Set<Track>();

    // 1st association: high-score detections against every track.
    const first = this.associate(this.tracks, high, detections, 1);
    for (const [ti, di] of first.matches) {
      trackOf[high[di]] = this.tracks[ti];
      matched.add(this.tracks[ti]);
    }
    // 2nd association: low-score detections against every track still unmatched (see the class doc).
    const remaining = first.unmatchedRows.map((r) => this.tracks[r]);
    const second = this.associate(remaining, low, detections, this.o.secondStageGateShare);
    for (const [ti, di] of second.matches) {
      trackOf[low[di]] = remaining[ti];
      matched.add(remaining[ti]);
    }

    // Update matched tracks.
    for (const [i, t] of trackOf.entries()) {
      if (!t) continue;
      const d = detections[i];
      t.kf.update(d.box);
      t.hits++;
      t.lastSeenMs = tsMs;
      t.votes[d.cls] = (t.votes[d.cls] ?? 0) + d.score;
      if (t.status === 'lost') t.status = 'confirmed';
      if (t.status === 'tentative' && t.hits >= this.o.minHits) {
        t.status = 'confirmed';
        t.id = this.nextId++;
      }
    }
    // Unmatched tracks: tentative ones die, confirmed ones are lost, lost ones expire.
    this.tracks = this.tracks.filter((t) => {
      if (matched.has(t)) return true;
      if (t.status === 'tentative') return false;
      if (t.status === 'confirmed') {
        t.status = 'lost';
        t.kf.freezeSize();
      }
      return tsMs - t.lastSeenMs <= ttl;
    });
    // New tracks from confident unmatched detections.
    for (const di of first.unmatchedCols) {
      const i = high[di];
      const d = detections[i];
      if (d.score < this.o.newTrackThreshold) continue;
      const t: Track = {
        id: -1,
        status: 'tentative',
        hits: 1,
        firstSeenMs: tsMs,
        lastSeenMs: tsMs,
        votes: { [d.cls]: d.score },
        kf: new KalmanBoxFilter(d.box, this.o.noise),
      };
      if (this.o.minHits <= 1) {
        t.status = 'confirmed';
        t.id = this.nextId++;
        trackOf[i] = t;
      }
      this.tracks.push(t);
    }

    const out: TrackedDetection[] = [];
    for (const [i, t] of trackOf.entries()) {
      if (t?.status !== 'confirmed') continue;
      const d = detections[i];
      out.push({
        cls: votedClass(t.votes),
        score: d.score,
        box: d.box,
        trackId: t.id,
        detectedCls: d.cls,
        velocity: t.kf.velocity(),
      });
    }
    return out;
  }

  /** Optimal matching of tracks (rows) to detections[idx] (cols) under the cost described above. */
  private associate(tracks: Track[], idx: number[], detections: Detection[], gateShare: number) {
    const rows = tracks.length;
    const cols = idx.length;
    const cost = new Float64Array(rows * cols);
    const predicted = tracks.map((t) => t.kf.box());
    const { minIou, distanceGate, maxSizeRatio } = this.o;
    for (let r = 0; r < rows; r++) {
      const p = predicted[r];
      for (let c = 0; c < cols; c++) {
        const b = detections[idx[c]].box;
        const overlap = iou(p, b);
        let k = Number.POSITIVE_INFINITY;
        if (overlap >= minIou) {
          k = 1 - overlap;
        } else if (
          b.w <= p.w * maxSizeRatio &&
          p.w <= b.w * maxSizeRatio &&
          b.h <= p.h * maxSizeRatio &&
          p.h <= b.h * maxSizeRatio
        ) {
          const d2 = tracks[r].kf.centreDistance2(b);
          if (d2 <= distanceGate * gateShare) {
            // Gate by uncertainty, rank by distance in box sizes: a lost track's wide gate must not
            // make it a cheaper match than a steady track whose prediction lies closer.
            const dist = Math.hypot(p.x + p.w / 2 - b.x - b.w / 2, p.y + p.h / 2 - b.y - b.h / 2);
            k = 1 + dist / (dist + Math.sqrt(b.w * b.h));
          }
        }
        cost[r * cols + c] = k;
      }
    }
    // Every gated pair costs < 2; forbidden ones are Infinity.
    return matchWithLimit(cost, rows, cols, 2);
  }
}

export { iou };

function votedClass(votes: Partial<Record<ProductClass, number>>): ProductClass {
  let best: ProductClass = PRODUCT_CLASSES[0];
  let bestScore = Number.NEGATIVE_INFINITY;
  // Fixed order, so ties resolve the same way after a restore.
  for (const c of PRODUCT_CLASSES) {
    const v = votes[c];
    if (v !== undefined && v > bestScore) {
      best = c;
      bestScore = v;
    }
  }
  return best;
}
