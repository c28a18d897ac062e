import type { ProductClass } from '../../schemas/classes.ts';
import type { Detection } from '../../schemas/detection.ts';
import { iou } from '../geometry/box-iou.ts';
import { bottomCentre } from '../scene/geometry.ts';
import { matchWithLimit } from './assignment.ts';
import { pairCost } from './association-cost.ts';
import {
  type ByteTrackerOptions,
  type ResolvedByteTrackerOptions,
  resolveByteTrackerOptions,
} from './byte-tracker-options.ts';
import { type BoxSighting, courseBox, withSighting } from './course-cue.ts';
import { doublesStronger } from './doubled-box.ts';
import { KalmanBoxFilter } from './kalman-box-filter.ts';
import { missedFirstBox } from './missed-first-box.ts';
import { boxBefore, movedVisibly, originAnchor } from './motion-cues.ts';
import { type ClaimedBox, isPartBox } from './part-box.ts';
import {
  copiedSightings,
  type Track,
  type TrackerState,
  type TrackStatus,
  trackFromState,
  trackToState,
  votedClass,
} from './track-state.ts';

export type { TrackerState, TrackState, TrackStatus } from './track-state.ts';

/** A detection the tracker assigned to a confirmed track; cls is the track's score-weighted class vote. */
export interface TrackedDetection extends Detection {
  trackId: number;
  /** Which detection this is: its index in the list given to update(). */
  input: number;
  /** The class the detector gave this detection (cls is the track's vote). */
  detectedCls: ProductClass;
  /** The track's filtered centre velocity, pixels per second. */
  velocity: { vx: number; vy: number };
  /**
   * Only on a track's first report: where its anchor (box bottom-centre) was first known, before it
   * was confirmed (its first tentative detection, or where measured motion says that one came from),
   * so that counting lines see the whole path, not only the confirmed part.
   */
  origin?: [number, number];
  /**
   * When the object was at its origin, ms: with it, the origin is a ground position (the box it
   * came from was whole), a first sample of the object's speed.
   */
  originMs?: number;
  /** The box reaches the analysed picture's lower edge: its bottom is not a ground position. */
  cut?: boolean;
}

/**
 * ByteTrack (Zhang et al., 2022) over a constant-velocity Kalman filter, in time rather than frames,
 * tuned for low detection rates (2–5 fps).
 *
 *   detections ─┬─ score ≥ high ──▶ 1st association: all tracks (confirmed, tentative, lost)
 *               │                      │ unmatched tracks
 *               └─ low ≤ score < high ─▶ 2nd association: all remaining tracks (stricter gate)
 *   unmatched high detections ≥ newTrackThreshold ──▶ new tentative tracks
 *     (not a second box on part of an object a track took this frame: part-box.ts)
 *
 *   lifecycle:  tentative ──(minHits hits)──▶ confirmed ◀──(matched)──▶ lost ──(lostBufferMs)──▶ removed
 *                   └──(missed once)──▶ removed (its last box a frame longer: missed-first-box.ts)
 *
 * Association cost of track t (Kalman prediction at the detection's time) and detection d:
 *
 *   IoU ≥ minIou                        cost = 1 − IoU                    in [0, 1 − minIou]
 *     (IoU: the best of prediction vs detection now, the track's perspective course vs detection
 *      now (vehicles; course-cue.ts), and track vs detection at the previous frame when the
 *      detection carries measured motion not against the track's heading; motion-cues.ts)
 *   else Mahalanobis d² ≤ distanceGate  cost = 1 + dist / (dist + size)   in [1, 2)  (w, h within maxSizeRatio;
 *                                                     a smaller detection for a track seen once: MAX_GROWTH;
 *                                                     not a box entering at the lower edge for a track
 *                                                     seen once, nor one whose measured motion traces it
 *                                                     back further from such a track's box)
 *   else                                forbidden                         (association-cost.ts)
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
 * Measured motion (pipeline/motion/, traced through the decoder's frames between analysed ones)
 * also starts tracks: a detection that visibly moved counts as two observations (here and where it
 * came from), starts with that velocity, and its origin is reported with the track's first
 * detection, so a vehicle seen in only one or two analysed frames is still tracked and counted.
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
  private readonly o: ResolvedByteTrackerOptions;
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTsMs: number | null = null;
  private frameMs: number | null = null;
  /** The current update's step from the previous one, ms. */
  private frameStepMs = 0;
  /** The last boxes of tentative tracks that ended at the last update, and at the one before. */
  private ended: BoxSighting[] = [];
  private endedBefore: BoxSighting[] = [];

  constructor(options: ByteTrackerOptions = {}) {
    this.o = resolveByteTrackerOptions(options);
  }

  /** A tracker that carries on from a {@link snapshot}, as if it had never stopped. */
  static restore(state: TrackerState, options: ByteTrackerOptions = {}): ByteTracker {
    if (state.version !== 1)
      throw new RangeError(`ByteTracker.restore: unknown state version ${state.version}`);
    const t = new ByteTracker(options);
    t.lastTsMs = state.lastTsMs;
    t.frameMs = state.frameMs ?? null;
    t.nextId = state.nextId;
    t.tracks = state.tracks.map((s) => trackFromState(s, t.o.noise));
    t.ended = copiedSightings(state.ended ?? []);
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
      tracks: this.tracks.map(trackToState),
      ...(this.ended.length ? { ended: copiedSightings(this.ended) } : {}),
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
    const dtSec = this.advanceClock(tsMs);
    const ttl = this.lostBufferMs;
    // Lost tracks past their time go before associating, not after: a gap longer than the buffer
    // (a slow frame, a skipped segment) must not revive them.
    this.tracks = this.tracks.filter((t) => tsMs - t.lastSeenMs <= ttl);
    for (const t of this.tracks) {
      t.before = t.kf.box();
      // Vehicles only: a walker's box height changes with its stride more than with its depth.
      t.course =
        votedClass(t.votes) === 'person' ? null : courseBox(t.seen ?? [], tsMs, ttl, t.kf.velocity());
      t.kf.predict(dtSec);
    }
    this.endedBefore = this.ended;
    const trackOf = new Array<Track | undefined>(detections.length);
    const unmatched = this.associateAll(detections, trackOf);
    // Where the tracks that took a box were predicted, before their update, and the boxes they
    // took (part-box.ts). A track takes one box at most.
    const claimed: ClaimedBox[] = trackOf.flatMap((t, i) => {
      if (!t) return [];
      const cls = votedClass(t.votes);
      return [
        { box: t.kf.box(), cls },
        { box: detections[i].box, cls },
      ];
    });
    this.updateTracks(detections, trackOf, tsMs, ttl);
    this.startTracks(detections, unmatched, trackOf, tsMs, dtSec, claimed);
    return this.report(detections, trackOf, tsMs);
  }

  /** Checks tsMs, moves the clock to it and smooths the frame interval; returns the step in seconds. */
  private advanceClock(tsMs: number): number {
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
    this.frameStepMs = dtSec * 1000;
    this.lastTsMs = tsMs;
    return dtSec;
  }

  /** Splits detections by score, runs both associations into trackOf; returns the unmatched ones. */
  private associateAll(detections: Detection[], trackOf: (Track | undefined)[]) {
    const high: number[] = [];
    const low: number[] = [];
    for (const [i, d] of detections.entries()) {
      if (!(d.box.w > 0 && d.box.h > 0)) continue;
      if (d.score >= this.o.highThreshold) high.push(i);
      else if (d.score >= this.o.lowThreshold) low.push(i);
    }
    // 1st association: high-score detections against every track.
    const first = this.associate(this.tracks, high, detections, 1);
    for (const [ti, di] of first.matches) trackOf[high[di]] = this.tracks[ti];
    // 2nd association: low-score detections against every track still unmatched (see the class doc).
    const remaining = first.unmatchedRows.map((r) => this.tracks[r]);
    const second = this.associate(remaining, low, detections, this.o.secondStageGateShare);
    for (const [ti, di] of second.matches) trackOf[low[di]] = remaining[ti];
    return {
      high: first.unmatchedCols.map((di) => high[di]),
      low: second.unmatchedCols.map((di) => low[di]),
    };
  }

  /** Updates the matched tracks (confirming tentative ones with enough hits) and retires the others. */
  private updateTracks(detections: Detection[], trackOf: (Track | undefined)[], tsMs: number, ttl: number) {
    const matched = new Set<Track | undefined>(trackOf);
    for (const [i, t] of trackOf.entries()) {
      if (!t) continue;
      const d = detections[i];
      t.kf.update(d.box);
      t.seen = withSighting(t.seen, d.box, tsMs, d.motion?.cut);
      t.hits++;
      t.lastSeenMs = tsMs;
      t.votes[d.cls] = (t.votes[d.cls] ?? 0) + d.score;
      if (t.status === 'lost') t.status = 'confirmed';
      if (t.status === 'tentative' && t.hits >= this.o.minHits) {
        t.status = 'confirmed';
        t.id = this.nextId++;
      }
    }
    for (const t of this.tracks) {
      t.before = undefined;
      t.course = undefined;
    }
    // Unmatched tracks: tentative ones die (their last box kept a frame: missed-first-box.ts),
    // confirmed ones are lost, lost ones expire.
    this.ended = [];
    this.tracks = this.tracks.filter((t) => {
      if (matched.has(t)) return true;
      const last = t.seen?.at(-1);
      if (t.status === 'tentative' && last && !last.cut) this.ended.push(last);
      if (t.status === 'tentative') return false;
      if (t.status === 'confirmed') {
        t.status = 'lost';
        t.kf.freezeSize();
      }
      return tsMs - t.lastSeenMs <= ttl;
    });
  }

  /** Starts tentative tracks (confirmed at once with enough hits) from unmatched detections. */
  private startTracks(
    detections: Detection[],
    unmatched: { high: number[]; low: number[] },
    trackOf: (Track | undefined)[],
    tsMs: number,
    dtSec: number,
    claimed: readonly ClaimedBox[],
  ): void {
    // New tracks from confident unmatched detections; also from unmatched weaker ones that visibly
    // moved, tentative with one hit (no head start from their motion): a fast vehicle's first,
    // blurred sighting is often weak, and it holds the only view of where the vehicle came from.
    // None from a second box on part of an object a track took this update, nor from a weak box
    // doubling a stronger one (doubled-box.ts).
    const weak = unmatched.low.filter(
      (i) => movedVisibly(detections[i]) && !doublesStronger(detections[i], detections),
    );
    for (const i of [...unmatched.high, ...weak]) {
      const d = detections[i];
      if (d.score < this.o.newTrackThreshold && !weak.includes(i)) continue;
      if (isPartBox(d, claimed)) continue;
      const t = this.newTrack(d, tsMs, dtSec, d.score >= this.o.newTrackThreshold);
      if (t.hits >= this.o.minHits) {
        t.status = 'confirmed';
        t.id = this.nextId++;
        trackOf[i] = t;
      }
      this.tracks.push(t);
    }
  }

  /**
   * The detections of confirmed tracks, in input order, each track's origin reported once (with its
   * time where it is a ground position no older than the previous frame: a tentative box further
   * back may be another object's).
   */
  private report(detections: Detection[], trackOf: (Track | undefined)[], tsMs: number): TrackedDetection[] {
    const out: TrackedDetection[] = [];
    for (const [i, t] of trackOf.entries()) {
      if (t?.status !== 'confirmed') continue;
      const d = detections[i];
      out.push({
        cls: votedClass(t.votes),
        score: d.score,
        box: d.box,
        trackId: t.id,
        input: i,
        detectedCls: d.cls,
        velocity: t.kf.velocity(),
        ...(t.origin ? { origin: t.origin } : {}),
        ...(t.origin && t.originMs !== undefined && tsMs - t.originMs <= this.frameStepMs * 1.1
          ? { originMs: t.originMs }
          : {}),
        ...(d.cut || d.motion?.cut ? { cut: true } : {}),
        ...(d.motion ? { motion: d.motion } : {}),
      });
      t.origin = undefined; // reported once
      t.originMs = undefined;
    }
    return out;
  }

  /**
   * A tentative track from an unmatched detection. One that measurably moved (motion-cues.ts) counts
   * as seen twice, here and where it came from, and starts with that velocity.
   */
  private newTrack(d: Detection, tsMs: number, dtSec: number, confident: boolean): Track {
    const kf = new KalmanBoxFilter(d.box, this.o.noise);
    const from = dtSec > 0 ? boxBefore(d, dtSec * 1000) : null;
    const moved = confident && from !== null && movedVisibly(d);
    const first = from && !d.motion?.cut ? missedFirstBox(this.endedBefore, from, d.box) : null;
    if (first) this.endedBefore = this.endedBefore.filter((x) => x !== first); // one new track each
    if (moved && d.motion) kf.seedVelocity(d.motion.dx / dtSec, d.motion.dy / dtSec, 0.5);
    const seen = [
      ...(from ? [{ box: from, tsMs: tsMs - dtSec * 1000 }] : []),
      { box: { ...d.box }, tsMs, ...(d.motion?.cut ? { cut: true } : {}) },
    ];
    return {
      id: -1,
      status: 'tentative',
      hits: moved ? 2 : 1,
      firstSeenMs: tsMs,
      lastSeenMs: tsMs,
      votes: { [d.cls]: d.score },
      kf,
      seen,
      // A cut box's bottom is the edge's. With motion, the origin is where the box came from, then;
      // its time only where the box is whole (a ground position for speeds: schemas/detection.ts).
      // (An origin two frames back gives no speed sample: no time with it.)
      ...(first ? { origin: bottomCentre(first.box) as [number, number] } : {}),
      ...(first || d.motion?.cut ? {} : { origin: originAnchor(d) }),
      ...(first || d.motion?.cut || d.cut ? {} : { originMs: tsMs - (d.motion?.dtMs ?? 0) }),
    };
  }

  /** Optimal matching of tracks (rows) to detections[idx] (cols) under the cost described above. */
  private associate(tracks: Track[], idx: number[], detections: Detection[], gateShare: number) {
    const rows = tracks.length;
    const cols = idx.length;
    const cost = new Float64Array(rows * cols);
    const { minIou, distanceGate, maxSizeRatio } = this.o;
    const terms = { minIou, distanceGate, maxSizeRatio, dtMs: this.frameStepMs, gateShare };
    for (let r = 0; r < rows; r++) {
      const row = { p: tracks[r].kf.box(), velocity: tracks[r].kf.velocity() };
      for (let c = 0; c < cols; c++) cost[r * cols + c] = pairCost(tracks[r], row, detections[idx[c]], terms);
    }
    // Every gated pair costs < 2; forbidden ones are Infinity.
    return matchWithLimit(cost, rows, cols, 2);
  }
}

export { type ByteTrackerOptions, DEFAULT_BYTE_TRACKER_OPTIONS } from './byte-tracker-options.ts';
export { iou };
