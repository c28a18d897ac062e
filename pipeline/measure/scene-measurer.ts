import type { SceneObject, ZoneSample } from '../../schemas/analytics.ts';
import type {
  IntervalRow,
  LineCrossing,
  MeasuresConfig,
  TrackRow,
  ZoneVisit,
} from '../../schemas/measures.ts';
import type { SceneConfig } from '../../schemas/scene.ts';
import { bottomCentre } from '../scene/geometry.ts';
import { Homography } from '../scene/homography.ts';
import { LineZone, type LineZoneState } from '../scene/line-zone.ts';
import { PolygonZone, type PolygonZoneState } from '../scene/polygon-zone.ts';
import type { TrackedDetection } from '../track/byte-tracker.ts';
import { CrossingSpeeds } from './crossing-speeds.ts';
import { IntervalAggregator, type IntervalAggregatorState } from './interval-aggregator.ts';
import { followingRiders, RidersBySpeed } from './riders-by-speed.ts';
import { SpeedEstimator, type SpeedEstimatorState, type SpeedReading } from './speed-estimator.ts';
import { TrackLedger, type TrackLedgerState } from './track-ledger.ts';
import { type ZoneGround, zoneGround } from './zone-geometry.ts';

export interface SceneMeasurerOptions {
  measures?: Partial<MeasuresConfig>;
  /** The tracker's lost buffer, ms: a track unseen for longer has ended (default 2000). */
  lostTtlMs?: number;
}

/** What one frame yields. */
export interface MeasureStep {
  /** The tracker's detections, with the class they were measured as (a fast `person` is a rider). */
  tracked: TrackedDetection[];
  /** The frame as the rule engine sees it (camera, source and segment are the caller's to add). */
  objects: SceneObject[];
  zones: ZoneSample[];
  /**
   * Crossings confirmed in this frame, with the vehicle's speed; with a calibration, one whose speed
   * is not known yet comes in a later frame, when it is (CrossingSpeeds).
   */
  crossings: LineCrossing[];
  /** Zone visits that ended in this frame. */
  visits: ZoneVisit[];
  /** Intervals this frame closed (it is past their end). */
  intervals: IntervalRow[];
  /** Tracks that ended (unseen for longer than the lost buffer). */
  tracks: TrackRow[];
}

export interface SceneMeasurerState {
  version: 1;
  lines: Record<string, LineZoneState>;
  zones: Record<string, PolygonZoneState>;
  speeds: SpeedEstimatorState | null;
  ledger: TrackLedgerState;
  intervals: IntervalAggregatorState;
  /** Crossings waiting for their vehicle's speed (absent in states saved before there were any). */
  waiting?: LineCrossing[];
  /** Person tracks measured at a vehicle's speed (RidersBySpeed; absent when none). */
  riders?: number[];
}

/**
 * Everything measured about one camera's scene, frame by frame, from the tracker's output:
 *
 *   tracked detections ──▶ anchor = bottom-centre ──┬─▶ SpeedEstimator (homography) ─▶ speed, ground point
 *                                                   ├─▶ RidersBySpeed ───────────────▶ a fast `person` is a rider
 *                                                   ├─▶ LineZone × lines ─────────────▶ crossings
 *                                                   ├─▶ PolygonZone × zones ──────────▶ entries, visits, samples
 *                                                   ├─▶ TrackLedger ──────────────────▶ ended tracks
 *                                                   └─▶ IntervalAggregator ───────────▶ 1- and 15-minute rows
 *
 * Plain JSON state ({@link snapshot} / {@link restore}), so a camera's measures carry on across
 * segments and workers like the tracker does. Deterministic: the same frames give the same output.
 *
 * @example
 *   const m = new SceneMeasurer(scene, { lostTtlMs: 2000 });
 *   for (const { detections, tsMs } of frames) {
 *     const step = m.update(tracker.update(detections, tsMs), tsMs);
 *     for (const row of step.intervals) console.log(row.siteId, row.intervalS, row.volume, row.los);
 *   }
 *   const end = m.finish(); // the source ended: pending crossings, partial intervals, open visits, tracks
 */
export class SceneMeasurer {
  private readonly homography: Homography | null;
  private readonly lines: LineZone[];
  private readonly zones: PolygonZone[];
  private readonly ground: Map<string, ZoneGround>;
  private readonly speeds: SpeedEstimator | null;
  private ledger = new TrackLedger();
  private intervals: IntervalAggregator;
  private readonly waiting: CrossingSpeeds;
  private readonly riders: RidersBySpeed;
  /** Each line's own classes (null: all); its LineZone may follow people too (followingRiders). */
  private readonly lineClasses: Map<string, ReadonlySet<string> | null>;
  /** The tracker's lost buffer when update() is not told it. */
  private readonly lostTtlMs: number;

  constructor(
    readonly scene: SceneConfig,
    options: SceneMeasurerOptions = {},
    state?: SceneMeasurerState,
  ) {
    if (state && state.version !== 1)
      throw new RangeError(`SceneMeasurer: unknown state version ${state.version}`);
    const m = options.measures ?? {};
    this.homography = scene.calibration
      ? Homography.fromPoints(scene.calibration.image, scene.calibration.world)
      : null;
    const inertia = { inertiaFrames: scene.inertiaFrames ?? 1 };
    this.lines = scene.lines.map((line) => {
      const l = this.homography ? followingRiders(line) : line;
      const s = state?.lines[l.id];
      return s ? LineZone.restore(s, l, inertia) : new LineZone(l, inertia);
    });
    this.lineClasses = new Map(scene.lines.map((l) => [l.id, l.classes ? new Set(l.classes) : null]));
    this.zones = scene.zones.map((z) => {
      const s = state?.zones[z.id];
      return s ? PolygonZone.restore(s, z, inertia) : new PolygonZone(z, inertia);
    });
    this.ground = new Map(scene.zones.map((z) => [z.id, zoneGround(z, this.homography)]));
    const speedOptions = m.speed ?? {};
    const world = scene.calibration?.world;
    this.speeds = this.homography
      ? state?.speeds
        ? SpeedEstimator.restore(state.speeds, this.homography, speedOptions, world)
        : new SpeedEstimator(this.homography, speedOptions, world)
      : null;
    if (state) this.ledger = TrackLedger.restore(state.ledger);
    const aggOptions = {
      lines: scene.lines.map((l) => l.id),
      zones: scene.zones.map((z) => z.id),
      ...(m.pcu ? { pcu: m.pcu } : {}),
      ...(m.losDensity ? { losDensity: m.losDensity } : {}),
    };
    this.intervals = state
      ? IntervalAggregator.restore(state.intervals, aggOptions)
      : new IntervalAggregator(aggOptions);
    this.lostTtlMs = options.lostTtlMs ?? 2000;
    this.waiting = new CrossingSpeeds(state?.waiting);
    this.riders = new RidersBySpeed(state?.riders);
  }

  /** Carries on from a {@link snapshot}; the scene and options must be the ones it was made with. */
  static restore(state: SceneMeasurerState, scene: SceneConfig, options: SceneMeasurerOptions = {}) {
    return new SceneMeasurer(scene, options, state);
  }

  snapshot(): SceneMeasurerState {
    return {
      version: 1,
      lines: Object.fromEntries(this.lines.map((l) => [l.line.id, l.snapshot()])),
      zones: Object.fromEntries(this.zones.map((z) => [z.zone.id, z.snapshot()])),
      speeds: this.speeds?.snapshot() ?? null,
      ledger: this.ledger.snapshot(),
      intervals: this.intervals.snapshot(),
      ...(this.waiting.size ? { waiting: this.waiting.snapshot() } : {}),
      ...(this.riders.size ? { riders: this.riders.snapshot() } : {}),
    };
  }

  /**
   * The tracker's output for one frame taken at tsMs. `lostBufferMs`: how long the tracker now keeps
   * a lost track (ByteTracker.lostBufferMs; default the lostTtlMs option): a track unseen for longer
   * (plus a second, by when the tracker has dropped it) has ended.
   */
  update(input: readonly TrackedDetection[], tsMs: number, lostBufferMs?: number): MeasureStep {
    const readings = input.map((d) => {
      const anchor = bottomCentre(d.box) as [number, number];
      return { anchor, ...this.reading(d, anchor, tsMs) };
    });
    // Everything downstream (lines, zones, rules, rows) measures a rider as the vehicle it rides.
    const tracked = input.map((d, i) => {
      const cls = this.riders.classOf(d.trackId, d.cls, readings[i].speedKmh);
      return cls === d.cls ? d : { ...d, cls };
    });
    const objects: SceneObject[] = tracked.map((d, i) => {
      const { anchor, ...r } = readings[i];
      this.ledger.observe(d.trackId, d.cls, anchor, r.world, r.speedKmh, tsMs);
      return {
        trackId: d.trackId,
        cls: d.cls,
        box: d.box,
        anchor,
        world: r.world,
        speedKmh: r.speedKmh,
        velocityPx: [d.velocity.vx, d.velocity.vy],
      };
    });
    const byId = new Map(objects.map((o) => [o.trackId, o]));
    const speedOf = (id: number) => byId.get(id)?.speedKmh ?? this.speeds?.current(id) ?? null;

    const zones: ZoneSample[] = [];
    const visits: ZoneVisit[] = [];
    const entries: Array<{ zoneId: string; cls: SceneObject['cls']; trackId: number }> = [];
    for (const zone of this.zones) {
      const u = zone.update(tracked, tsMs);
      for (const e of u.entered) entries.push({ zoneId: e.zoneId, cls: e.cls, trackId: e.trackId });
      for (const v of u.left) visits.push(toVisit(v));
      zones.push(this.sample(zone, u.inside, speedOf));
    }

    // Close finished intervals before counting this frame's events into the open ones. An entry
    // reported late (inertiaFrames, a zone's held duplicate) counts where it is reported.
    const intervals = this.intervals.frame(tsMs, zones);
    for (const e of entries) this.intervals.entry(e.zoneId, e.cls);
    for (const v of visits) {
      const speed = v.reason === 'exit' ? speedOf(v.trackId) : null;
      if (speed !== null) this.intervals.zoneSpeed(v.zoneId, v.cls, speed);
    }
    const crossings: LineCrossing[] = [];
    for (const line of this.lines) {
      for (const c of line.update(tracked, tsMs, lostBufferMs)) {
        const speedKmh = speedOf(c.trackId);
        if (speedKmh === null && this.speeds) {
          this.waiting.hold(c);
          // A person's class waits for its speed too (RidersBySpeed); a vehicle is counted now.
          if (c.cls !== 'person') this.intervals.crossing(c.lineId, c.direction, c.cls, null);
        } else crossings.push(...this.counted({ ...c, speedKmh }));
      }
    }
    const tracks = this.ledger.ended(tsMs, (lostBufferMs ?? this.lostTtlMs) + 1000);
    const ended = new Set(tracks.map((t) => t.trackId));
    crossings.push(...this.released(this.waiting.release(tsMs, speedOf, ended)));
    for (const t of tracks) this.speeds?.forget(t.trackId);
    this.riders.forget(ended);
    return { tracked, objects, zones, crossings, visits, intervals, tracks };
  }

  /** The track's ground position and speed, this sighting (and a new track's origin) taken as samples. */
  private reading(d: TrackedDetection, anchor: [number, number], tsMs: number): SpeedReading {
    if (!this.speeds) return { world: null, speedKmh: null };
    // A new track's first position (before it was confirmed, or where its motion says it came
    // from) is a sample too: at 2 fps it is one of only two or three near the camera.
    if (d.origin && d.originMs !== undefined && d.originMs < tsMs)
      this.speeds.update(d.trackId, d.origin, d.originMs);
    // A box cut by the picture's lower edge has the edge for its bottom: located, not sampled.
    return d.cut ? this.speeds.locate(d.trackId, anchor) : this.speeds.update(d.trackId, anchor, tsMs);
  }

  /** A crossing counted now, with its speed: none if its line does not count its class. */
  private counted(c: LineCrossing): LineCrossing[] {
    if (!(this.lineClasses.get(c.lineId)?.has(c.cls) ?? true)) return [];
    this.intervals.crossing(c.lineId, c.direction, c.cls, c.speedKmh ?? null);
    return [c];
  }

  /**
   * Crossings released from waiting: a vehicle's, counted when it crossed, brings its speed to the
   * open intervals; a person's is counted now, as a rider if its speed says so (RidersBySpeed).
   */
  private released(released: LineCrossing[]): LineCrossing[] {
    return released.flatMap((c) => {
      if (c.cls === 'person') {
        return this.counted({ ...c, cls: this.riders.classOf(c.trackId, c.cls, c.speedKmh ?? null) });
      }
      if (c.speedKmh != null) this.intervals.crossingSpeed(c.lineId, c.direction, c.speedKmh);
      return [c];
    });
  }

  /** Reports a zone's congestion state (from the rule engine) with its open intervals. */
  congestion(zoneId: string, state: string): void {
    this.intervals.congestion(zoneId, state);
  }

  /**
   * The source ended: counts the crossings of tracks that vanished on a course across a line (no
   * frame will bring them back; LineZone.flush), closes the partial intervals, the visits still open
   * (reason 'lost', at their last sighting) and every track. The measurer starts afresh afterwards.
   */
  finish(): Pick<MeasureStep, 'crossings' | 'visits' | 'intervals' | 'tracks'> {
    const speedOf = (id: number) => this.speeds?.current(id) ?? null;
    const crossings = this.released(this.waiting.flush(speedOf));
    for (const line of this.lines) {
      for (const c of line.flush()) crossings.push(...this.counted({ ...c, speedKmh: speedOf(c.trackId) }));
    }
    const visits = this.zones.flatMap((z) => z.flush().map(toVisit));
    const intervals = this.intervals.flush();
    const tracks = this.ledger.flush();
    for (const t of tracks) this.speeds?.forget(t.trackId);
    this.riders.forget(tracks.map((t) => t.trackId));
    return { crossings, visits, intervals, tracks };
  }

  private sample(zone: PolygonZone, inside: number[], speedOf: (id: number) => number | null): ZoneSample {
    const g = this.ground.get(zone.zone.id) as ZoneGround;
    let vehicles = 0;
    let persons = 0;
    let pcu = 0;
    let speedSum = 0;
    let speedN = 0;
    for (const id of inside) {
      const cls = this.ledger.classOf(id);
      if (!cls) continue;
      if (cls === 'person') {
        persons++;
        continue;
      }
      vehicles++;
      pcu += this.intervals.pcuOf(cls);
      const s = speedOf(id);
      if (s !== null) {
        speedSum += s;
        speedN++;
      }
    }
    return {
      zoneId: zone.zone.id,
      kind: zone.zone.kind ?? 'area',
      trackIds: inside,
      vehicles,
      persons,
      pcu,
      meanSpeedKmh: speedN ? speedSum / speedN : null,
      densityPcuKm: g.lengthM ? pcu / ((g.lengthM / 1000) * g.lanes) : null,
      personsPerM2: g.areaM2 ? persons / g.areaM2 : null,
    };
  }
}

function toVisit(v: {
  zoneId: string;
  trackId: number;
  cls: ZoneVisit['cls'];
  enteredMs: number;
  tsMs: number;
  reason: 'exit' | 'lost';
}): ZoneVisit {
  return {
    zoneId: v.zoneId,
    trackId: v.trackId,
    cls: v.cls,
    enteredMs: v.enteredMs,
    leftMs: v.tsMs,
    reason: v.reason,
  };
}
