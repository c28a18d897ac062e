import type { ProductClass } from '../../schemas/classes.ts';
import type { SceneZone } from '../../schemas/scene.ts';
import type { TrackedDetection } from '../track/byte-tracker.ts';
import { coveredByAnother } from './covered-by-another.ts';
import { allCollinear, bottomCentre, pointInPolygon, selfIntersection } from './geometry.ts';

/** A track entering a zone. */
export interface ZoneEntry {
  zoneId: string;
  trackId: number;
  cls: ProductClass;
  /** Time of the first of the inertiaFrames observations inside (when the object really entered). */
  tsMs: number;
}

/** A track leaving a zone, or forgotten while inside it. */
export interface ZoneExit extends ZoneEntry {
  /** When it entered (as reported in its {@link ZoneEntry}). */
  enteredMs: number;
  /** tsMs − enteredMs. */
  dwellMs: number;
  /** 'exit': seen outside; 'lost': not seen for forgetAfterMs (tsMs is then its last sighting). */
  reason: 'exit' | 'lost';
}

export interface ZoneUpdate {
  /** Track ids inside after this frame (including ones inside but not seen in this frame). */
  inside: number[];
  entered: ZoneEntry[];
  left: ZoneExit[];
}

export interface PolygonZoneOptions {
  /** Consecutive observations on the new side (inside/outside) before an entry or exit counts (default 1). */
  inertiaFrames?: number;
  /** A track not seen for longer than this is forgotten, ms; if inside, it leaves with reason 'lost' (default 5000). */
  forgetAfterMs?: number;
}

export const DEFAULT_POLYGON_ZONE_OPTIONS: Readonly<Required<PolygonZoneOptions>> = {
  inertiaFrames: 1,
  forgetAfterMs: 5000,
};

/** One track's state in a {@link PolygonZoneState}. */
export interface ZoneTrackState {
  trackId: number;
  cls: ProductClass;
  inside: boolean;
  /** When it entered; meaningful while inside. */
  enteredMs: number;
  /** Consecutive observations on the other side so far, and the time of the first of them. */
  pending: number;
  pendingSinceMs: number;
  lastSeenMs: number;
  /**
   * Entered on a sighting mostly under a larger box of its kind: its entry is held back until it is
   * seen again (inside or out), and dropped if it is never seen again. Absent in older states: false.
   */
  held?: boolean;
}

/** Everything a PolygonZone needs to carry on: plain JSON. */
export interface PolygonZoneState {
  version: 1;
  zoneId: string;
  lastTsMs: number | null;
  tracks: ZoneTrackState[];
}

/**
 * Which tracked objects are inside a polygon, with entries, exits and dwell times (after Roboflow
 * supervision's PolygonZone). The triggering point is the bottom-centre of the box (ground contact);
 * inside-ness by ray casting (see pointInPolygon in geometry.ts).
 *
 *        ┌──────────────┐
 *   ▭ ──▶│ entered  ▭   │──▶ left: dwellMs = exit time − entry time
 *        │    inside    │
 *        └──────────────┘
 *
 * Every track starts outside. An observation on the other side of the boundary than the track's
 * state adds to `pending`; one on the same side resets it; at inertiaFrames the state flips and an
 * entry or exit is reported, timed at the FIRST of those observations (the flicker guard delays the
 * report, not the time). Missing frames change nothing: an occluded car is still inside. A track
 * not seen for forgetAfterMs is dropped, and if it was inside it leaves with reason 'lost' at its
 * last sighting.
 *
 * Hidden entries: a detector sometimes draws a second box on part of a vehicle for a frame, which
 * the tracker follows under an id of its own, and a box cut by the picture's edge can slip back into
 * a zone as its vehicle leaves. A track that enters mostly under a larger box of another track of its
 * kind (DUPLICATE_COVER; person or vehicle, whatever the zone's classes) has its entry held back:
 * reported, at its first time, when the track is seen again (inside, or outside as an exit);
 * dropped, with no visit, if it vanishes first. One sighting behind another vehicle is too little
 * for a visit; a real one is seen again. While held a track is in `inside`, as any track inside is
 * until forgotten.
 *
 * @example
 *   const zone = new PolygonZone({ id: 'bay', polygon: [[100, 600], [500, 600], [500, 900], [100, 900]] });
 *   for (const { detections, tsMs } of frames) {
 *     const { inside, entered, left } = zone.update(tracker.update(detections, tsMs), tsMs);
 *     for (const e of left) console.log(`track ${e.trackId} stayed ${e.dwellMs} ms`);
 *     console.log('occupancy', zone.occupancy, inside.length);
 *   }
 */
export class PolygonZone {
  readonly zone: SceneZone;
  private readonly o: Required<PolygonZoneOptions>;
  private readonly classes: ReadonlySet<ProductClass> | null;
  private tracks = new Map<number, ZoneTrackState>();
  private lastTsMs: number | null = null;
  /** The polygon's bounding box [minX, minY, maxX, maxY]: most anchors are rejected by it, cheaply. */
  private readonly bbox: [number, number, number, number];

  constructor(zone: SceneZone, options: PolygonZoneOptions = {}) {
    const o = { ...DEFAULT_POLYGON_ZONE_OPTIONS, ...options };
    if (!(Number.isInteger(o.inertiaFrames) && o.inertiaFrames >= 1)) {
      throw new RangeError(`PolygonZone: inertiaFrames must be an integer >= 1, got ${o.inertiaFrames}`);
    }
    if (!(o.forgetAfterMs >= 0 && Number.isFinite(o.forgetAfterMs))) {
      throw new RangeError(`PolygonZone: forgetAfterMs must be a finite number >= 0, got ${o.forgetAfterMs}`);
    }
    if (zone.polygon.length < 3 || allCollinear(zone.polygon)) {
      throw new RangeError(`PolygonZone: zone "${zone.id}" needs at least 3 points not all on one line`);
    }
    if (selfIntersection(zone.polygon)) {
      throw new RangeError(`PolygonZone: zone "${zone.id}" polygon is self-intersecting`);
    }
    this.zone = zone;
    this.o = o;
    this.classes = zone.classes ? new Set(zone.classes) : null;
    const xs = zone.polygon.map((p) => p[0]);
    const ys = zone.polygon.map((p) => p[1]);
    this.bbox = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }

  /** A zone that carries on from a {@link snapshot}. */
  static restore(state: PolygonZoneState, zone: SceneZone, options: PolygonZoneOptions = {}): PolygonZone {
    if (state.version !== 1)
      throw new RangeError(`PolygonZone.restore: unknown state version ${state.version}`);
    if (state.zoneId !== zone.id) {
      throw new RangeError(`PolygonZone.restore: state is for zone "${state.zoneId}", not "${zone.id}"`);
    }
    const z = new PolygonZone(zone, options);
    z.lastTsMs = state.lastTsMs;
    z.tracks = new Map(state.tracks.map((t) => [t.trackId, { ...t }]));
    return z;
  }

  /** Plain-JSON state; {@link PolygonZone.restore} resumes from it exactly. */
  snapshot(): PolygonZoneState {
    return {
      version: 1,
      zoneId: this.zone.id,
      lastTsMs: this.lastTsMs,
      tracks: [...this.tracks.values()].map((t) => ({ ...t })),
    };
  }

  /** Tracks inside now. */
  get occupancy(): number {
    let n = 0;
    for (const t of this.tracks.values()) if (t.inside) n++;
    return n;
  }

  /** How long each track inside has been inside at tsMs, ms, by track id. */
  dwellAt(tsMs: number): Map<number, number> {
    const m = new Map<number, number>();
    for (const t of this.tracks.values()) if (t.inside) m.set(t.trackId, tsMs - t.enteredMs);
    return m;
  }

  /**
   * The source ended: every track still inside leaves with reason 'lost' at its last sighting (what
   * is known of it), a held possible duplicate without a visit, and the zone forgets all tracks.
   */
  flush(): ZoneExit[] {
    const left: ZoneExit[] = [];
    for (const t of this.tracks.values())
      if (t.inside && !t.held) left.push(exit(this.zone.id, t, t.lastSeenMs, 'lost'));
    this.tracks.clear();
    return left;
  }

  /** One frame's tracked detections (taken at tsMs). */
  update(tracked: readonly TrackedDetection[], tsMs: number): ZoneUpdate {
    if (!Number.isFinite(tsMs)) throw new RangeError(`PolygonZone.update: tsMs must be finite, got ${tsMs}`);
    if (this.lastTsMs !== null && tsMs < this.lastTsMs) {
      throw new RangeError(`PolygonZone.update: tsMs went backwards (${tsMs} < ${this.lastTsMs})`);
    }
    this.lastTsMs = tsMs;
    const zoneId = this.zone.id;
    const entered: ZoneEntry[] = [];
    const left: ZoneExit[] = [];
    for (const d of tracked) {
      if (this.classes && !this.classes.has(d.cls)) continue;
      this.observe(d, tracked, tsMs, entered, left);
    }
    for (const [id, t] of this.tracks) {
      if (tsMs - t.lastSeenMs <= this.o.forgetAfterMs) continue;
      if (t.inside && !t.held) left.push(exit(zoneId, t, t.lastSeenMs, 'lost'));
      this.tracks.delete(id);
    }
    const inside: number[] = [];
    for (const t of this.tracks.values()) if (t.inside) inside.push(t.trackId);
    return { inside, entered, left };
  }

  /** One sighting of a track: its side, and the entry or exit it completes. */
  private observe(
    d: TrackedDetection,
    tracked: readonly TrackedDetection[],
    tsMs: number,
    entered: ZoneEntry[],
    left: ZoneExit[],
  ): void {
    const zoneId = this.zone.id;
    const a = bottomCentre(d.box);
    const [x0, y0, x1, y1] = this.bbox;
    const isInside =
      a[0] >= x0 && a[0] <= x1 && a[1] >= y0 && a[1] <= y1 && pointInPolygon(a, this.zone.polygon);
    let t = this.tracks.get(d.trackId);
    if (!t) {
      t = {
        trackId: d.trackId,
        cls: d.cls,
        inside: false,
        enteredMs: tsMs,
        pending: 0,
        pendingSinceMs: tsMs,
        lastSeenMs: tsMs,
      };
      this.tracks.set(d.trackId, t);
    }
    t.lastSeenMs = tsMs;
    t.cls = d.cls;
    // A held entry is confirmed by any later sighting; an exit then follows it below.
    if (t.held) {
      t.held = false;
      entered.push({ zoneId, trackId: t.trackId, cls: t.cls, tsMs: t.enteredMs });
    }
    if (isInside === t.inside) {
      t.pending = 0;
      return;
    }
    if (t.pending++ === 0) t.pendingSinceMs = tsMs;
    if (t.pending < this.o.inertiaFrames) return;
    t.pending = 0;
    t.inside = isInside;
    if (!isInside) {
      left.push(exit(zoneId, t, t.pendingSinceMs, 'exit'));
      return;
    }
    t.enteredMs = t.pendingSinceMs;
    if (this.o.inertiaFrames === 1 && coveredByAnother(d, tracked)) t.held = true;
    else entered.push({ zoneId, trackId: t.trackId, cls: t.cls, tsMs: t.enteredMs });
  }
}

function exit(zoneId: string, t: ZoneTrackState, tsMs: number, reason: ZoneExit['reason']): ZoneExit {
  return {
    zoneId,
    trackId: t.trackId,
    cls: t.cls,
    tsMs,
    enteredMs: t.enteredMs,
    dwellMs: Math.max(0, tsMs - t.enteredMs),
    reason,
  };
}
