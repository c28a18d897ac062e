import type { AnalyticsFrame } from '../../schemas/analytics.ts';
import { type ProductClass, VEHICLE_CLASSES } from '../../schemas/classes.ts';
import type { Point } from '../../schemas/scene.ts';
import type { Condition } from './condition.ts';

export interface WrongWayLane {
  zoneId: string;
  /** Allowed direction of travel, image pixels, any length but 0. */
  direction: Point;
}

export interface WrongWayDetectorOptions {
  lanes: readonly WrongWayLane[];
  /** Net movement against the lane direction before the track is judged wrong-way, px (default 60). */
  minDisplacementPx?: number;
  /** ... over at least this many consecutive frames of movement against it (default 4). */
  minFrames?: number;
  /** A step counts as against the lane when within this angle of the opposite direction, degrees (default 60). */
  maxAngleDeg?: number;
  classes?: readonly ProductClass[];
  forgetAfterMs?: number;
}

interface Run {
  zoneId: string;
  startAnchor: Point;
  startMs: number;
  frames: number;
  contrary: number;
}

export interface WrongWayTrackState {
  trackId: number;
  lastAnchor: Point;
  lastSeenMs: number;
  raised: boolean;
  run: Run | null;
}

export interface WrongWayDetectorState {
  version: 1;
  tracks: WrongWayTrackState[];
}

/**
 * Vehicles moving against their lane's direction: once per track.
 *
 *   lane direction ──▶                    step = anchor − previous anchor
 *   ▭ ◀── ◀── ◀── ◀──                      against when dot(step, −d̂) ≥ cos(60°)·|step|
 *   └──── net ≥ minDisplacementPx ────┘   over ≥ minFrames steps → wrong_way
 *
 * Judged on the anchor's own steps between frames, not on one velocity sample: a stationary car's box
 * jitter has no consistent direction and a single bad step does not end a run (two in a row do).
 * The net displacement must itself point against the lane.
 *
 * @example
 *   const ww = new WrongWayDetector({ lanes: [{ zoneId: 'lane-1', direction: [0, -1] }] });
 *   for (const frame of frames) for (const c of ww.update(frame)) console.log(c.message);
 */
export class WrongWayDetector {
  private readonly o: Required<Omit<WrongWayDetectorOptions, 'lanes'>>;
  private readonly lanes: Map<string, Point>;
  private readonly classes: ReadonlySet<ProductClass>;
  private readonly cos: number;
  private tracks = new Map<number, WrongWayTrackState>();

  constructor(options: WrongWayDetectorOptions) {
    if (!options.lanes.length) throw new RangeError('WrongWayDetector: no lanes to watch');
    this.lanes = new Map();
    for (const l of options.lanes) {
      const n = Math.hypot(l.direction[0], l.direction[1]);
      if (!(n > 0 && Number.isFinite(n))) {
        throw new RangeError(`WrongWayDetector: lane "${l.zoneId}" has no direction`);
      }
      this.lanes.set(l.zoneId, [l.direction[0] / n, l.direction[1] / n]);
    }
    this.o = {
      minDisplacementPx: 60,
      minFrames: 4,
      maxAngleDeg: 60,
      classes: VEHICLE_CLASSES,
      forgetAfterMs: 10_000,
      ...options,
    };
    if (!(this.o.minDisplacementPx > 0))
      throw new RangeError('WrongWayDetector: minDisplacementPx must be > 0');
    if (!(Number.isInteger(this.o.minFrames) && this.o.minFrames >= 1)) {
      throw new RangeError('WrongWayDetector: minFrames must be an integer >= 1');
    }
    if (!(this.o.maxAngleDeg > 0 && this.o.maxAngleDeg < 90)) {
      throw new RangeError('WrongWayDetector: maxAngleDeg must be in (0, 90)');
    }
    this.cos = Math.cos((this.o.maxAngleDeg * Math.PI) / 180);
    this.classes = new Set(this.o.classes);
  }

  snapshot(): WrongWayDetectorState {
    return { version: 1, tracks: [...this.tracks.values()].map((t) => structuredClone(t)) };
  }

  restoreFrom(state: WrongWayDetectorState): this {
    if (state.version !== 1) throw new RangeError(`WrongWayDetector: unknown state version ${state.version}`);
    this.tracks = new Map(state.tracks.map((t) => [t.trackId, structuredClone(t)]));
    return this;
  }

  update(frame: AnalyticsFrame): Condition[] {
    const out: Condition[] = [];
    const ts = frame.tsMs;
    const laneOf = new Map<number, string>();
    for (const z of frame.zones) {
      if (!this.lanes.has(z.zoneId)) continue;
      for (const id of z.trackIds) if (!laneOf.has(id)) laneOf.set(id, z.zoneId);
    }
    for (const o of frame.objects) {
      if (!this.classes.has(o.cls)) continue;
      let t = this.tracks.get(o.trackId);
      if (!t) {
        t = { trackId: o.trackId, lastAnchor: o.anchor, lastSeenMs: ts, raised: false, run: null };
        this.tracks.set(o.trackId, t);
        continue;
      }
      const prev = t.lastAnchor;
      const prevMs = t.lastSeenMs;
      t.lastAnchor = o.anchor;
      t.lastSeenMs = ts;
      if (t.raised) continue;
      const zoneId = laneOf.get(o.trackId);
      const d = zoneId ? this.lanes.get(zoneId) : undefined;
      if (!zoneId || !d) {
        t.run = null;
        continue;
      }
      const step: Point = [o.anchor[0] - prev[0], o.anchor[1] - prev[1]];
      const len = Math.hypot(step[0], step[1]);
      const against = len > 0 && -(step[0] * d[0] + step[1] * d[1]) >= this.cos * len;
      if (t.run && t.run.zoneId !== zoneId) t.run = null;
      if (!against) {
        if (t.run && ++t.run.contrary >= 2) t.run = null;
        continue;
      }
      t.run ??= { zoneId, startAnchor: prev, startMs: prevMs, frames: 0, contrary: 0 };
      t.run.frames++;
      t.run.contrary = 0;
      const net: Point = [o.anchor[0] - t.run.startAnchor[0], o.anchor[1] - t.run.startAnchor[1]];
      const back = -(net[0] * d[0] + net[1] * d[1]);
      if (
        t.run.frames >= this.o.minFrames &&
        back >= this.o.minDisplacementPx &&
        back >= this.cos * Math.hypot(net[0], net[1])
      ) {
        t.raised = true;
        out.push({
          type: 'wrong_way',
          phase: 'start',
          zoneId,
          trackId: o.trackId,
          startedMs: t.run.startMs,
          tsMs: ts,
          value: back,
          trackIds: [o.trackId],
          message: `${o.cls} ${o.trackId} driving against the direction of ${zoneId} (${Math.round(back)} px)`,
          details: { cls: o.cls, anchor: o.anchor, world: o.world, box: o.box, speedKmh: o.speedKmh },
        });
      }
    }
    for (const [id, t] of this.tracks) {
      if (ts - t.lastSeenMs <= this.o.forgetAfterMs) continue;
      this.tracks.delete(id);
      // Closes the incident for the rule engine's deduplication (no event).
      if (t.raised) out.push({ ...this.closing(id, t, ts) });
    }
    return out;
  }

  private closing(trackId: number, t: WrongWayTrackState, tsMs: number): Condition {
    return {
      type: 'wrong_way',
      phase: 'end',
      silent: true,
      zoneId: t.run?.zoneId ?? '',
      trackId,
      startedMs: t.run?.startMs ?? tsMs,
      tsMs,
      value: 0,
      trackIds: [trackId],
      message: '',
      details: {},
    };
  }
}
