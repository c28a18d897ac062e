import type { ZoneSample } from '../../schemas/analytics.ts';
import type { Condition } from './condition.ts';
import { RollingWindow, type RollingWindowState } from './rolling-window.ts';

export const CONGESTION_LEVELS = ['free', 'slow', 'heavy', 'jam'] as const;
export type CongestionLevel = (typeof CONGESTION_LEVELS)[number];

/**
 * Thresholds of the congestion states. Defaults and where they come from:
 *
 * - Speed, as a share of the free-flow speed (urban streets are graded by travel speed, not density:
 *   HCM 6th ed., Chapter 16 "Urban Street Facilities", LOS by travel speed as a percentage of the base
 *   free-flow speed: A > 80 %, B > 67 %, C > 50 %, D > 40 %, E > 30 %, F ≤ 30 %):
 *   slow below 67 % (LOS C or worse), heavy below 40 % (LOS E–F), jam below 20 % (stop-and-go, deep
 *   inside LOS F: 10 km/h on a 50 km/h street).
 * - A queue, not a lone slow vehicle: heavy and jam also need a median density of at least
 *   `minDensityPcuKm` (default 20 pcu/km/lane: 50 m per car; HCM's basic-segment LOS C–D boundary is
 *   16 pc/km/ln, and a stopped queue is 120–150), or, without a density, `minVehicles` in the zone.
 * - Without calibration (no speed, no density) the state comes from time occupancy, the share of
 *   frames with a vehicle in the zone over 5 s (the loop-detector measure of congestion; FHWA Traffic
 *   Detector Handbook, 3rd ed., 2006; freeway flow typically breaks down at 20–30 % occupancy of a
 *   short loop), median over the window as the other measures: slow ≥ 0.35,
 *   heavy ≥ 0.6, jam ≥ 0.85. It only means something for a short zone (a stop line, a few metres of
 *   lane); a long lane zone is always occupied.
 * - Hysteresis: to leave a state the measure must be better than its entry threshold by `hysteresis`
 *   (speed × 1.2, occupancy × 0.8 by default), so a measure hovering at a threshold does not flap.
 */
export interface CongestionThresholds {
  freeFlowKmh: number;
  slowSpeedRatio: number;
  heavySpeedRatio: number;
  jamSpeedRatio: number;
  minDensityPcuKm: number;
  minVehicles: number;
  slowOccupancy: number;
  heavyOccupancy: number;
  jamOccupancy: number;
  hysteresis: number;
}

export interface CongestionMonitorOptions extends Partial<CongestionThresholds> {
  /** Rolling window the measures are taken over (median), ms (default 20 000). */
  windowMs?: number;
  /** A state must hold this long before it is declared (worse or better), ms (default 20 000). */
  minDurationMs?: number;
  /** Lowest state that counts as a jam: jam_start on reaching it, jam_clear on falling below (default 'heavy'). */
  startLevel?: 'heavy' | 'jam';
}

/** Time occupancy is measured over this span before its median is taken, ms. */
const OCCUPANCY_MS = 5_000;

export const DEFAULT_CONGESTION_OPTIONS: Readonly<Required<CongestionMonitorOptions>> = {
  freeFlowKmh: 50,
  slowSpeedRatio: 0.67,
  heavySpeedRatio: 0.4,
  jamSpeedRatio: 0.2,
  minDensityPcuKm: 20,
  minVehicles: 2,
  slowOccupancy: 0.35,
  heavyOccupancy: 0.6,
  jamOccupancy: 0.85,
  hysteresis: 0.2,
  windowMs: 20_000,
  minDurationMs: 20_000,
  startLevel: 'heavy',
};

export interface CongestionMonitorState {
  version: 1;
  zoneId: string;
  level: number;
  /** Per level k (index 1..3): since when the windowed level has been ≥ k, or < k; null when not. */
  atLeastSince: (number | null)[];
  belowSince: (number | null)[];
  firstTsMs: number | null;
  speed: RollingWindowState;
  density: RollingWindowState;
  vehicles: RollingWindowState;
  occupied: RollingWindowState;
  occupancy: RollingWindowState;
}

/**
 * The congestion state of one zone (a lane, a roadway) from its per-frame samples: free, slow,
 * heavy or jam, with hysteresis and minimum durations, and the events jam_start, jam_worsen and
 * jam_clear.
 *
 *   speed (median over the window, % of free flow)
 *   100 ┤‾‾‾‾‾‾‾‾‾╲                                   ╱‾‾‾‾‾‾‾   free
 *    67 ┤┄┄┄┄┄┄┄┄┄┄╲┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄╱┄┄┄┄┄┄┄┄   slow
 *    40 ┤┄┄┄┄┄┄┄┄┄┄┄╲┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄╱┄┄┄┄┄┄┄┄┄   heavy
 *    20 ┤┄┄┄┄┄┄┄┄┄┄┄┄╲___________________________________╱┄┄┄┄┄┄┄┄┄┄   jam
 *            jam_start ┘←minDuration→┘        jam_clear ┘←minDuration→┘
 *
 * Each level k keeps the time since which the windowed measures have been at least k (and below
 * k). The state rises to the highest level held for minDurationMs, and falls one level at a time
 * while the lower one has held as long, so short dips never count and a fast onset goes straight
 * from free to jam. Events: jam_start when the state reaches `startLevel` (or above), jam_worsen
 * when it rises further, jam_clear when it falls below `startLevel`.
 *
 * startedMs of an event = when the windowed level first reached the new state − half the window:
 * the median of a window crosses a threshold half a window after the traffic did (see RollingWindow).
 *
 * @example
 *   const jam = new CongestionMonitor('lane-in-1', { freeFlowKmh: 50 });
 *   for (const frame of frames) {
 *     const zone = frame.zones.find((z) => z.zoneId === 'lane-in-1');
 *     if (zone) for (const c of jam.update(zone, frame.tsMs)) console.log(c.type, c.startedMs, jam.level);
 *   }
 */
export class CongestionMonitor {
  readonly zoneId: string;
  private readonly o: Required<CongestionMonitorOptions>;
  private levelIndex = 0;
  private atLeastSince: (number | null)[] = [null, null, null, null];
  private belowSince: (number | null)[] = [null, null, null, null];
  private firstTsMs: number | null = null;
  private speed: RollingWindow;
  private density: RollingWindow;
  private vehicles: RollingWindow;
  /** 1/0 per frame: a vehicle in the zone or not, over OCCUPANCY_MS. */
  private occupied: RollingWindow;
  /** The time occupancy of each frame's last OCCUPANCY_MS, over the window (median, as the other measures). */
  private occupancy: RollingWindow;

  constructor(zoneId: string, options: CongestionMonitorOptions = {}) {
    const o = { ...DEFAULT_CONGESTION_OPTIONS, ...options };
    const positive = ['freeFlowKmh', 'windowMs'] as const;
    for (const k of positive) {
      if (!(o[k] > 0 && Number.isFinite(o[k]))) {
        throw new RangeError(`CongestionMonitor: ${k} must be a finite number > 0, got ${o[k]}`);
      }
    }
    for (const k of ['minDurationMs', 'minDensityPcuKm', 'minVehicles', 'hysteresis'] as const) {
      if (!(o[k] >= 0 && Number.isFinite(o[k]))) {
        throw new RangeError(`CongestionMonitor: ${k} must be a finite number >= 0, got ${o[k]}`);
      }
    }
    if (
      !(
        1 > o.slowSpeedRatio &&
        o.slowSpeedRatio > o.heavySpeedRatio &&
        o.heavySpeedRatio > o.jamSpeedRatio &&
        o.jamSpeedRatio > 0
      )
    ) {
      throw new RangeError(
        `CongestionMonitor: speed ratios must satisfy 1 > slow > heavy > jam > 0, got ${o.slowSpeedRatio}, ${o.heavySpeedRatio}, ${o.jamSpeedRatio}`,
      );
    }
    if (
      !(
        0 < o.slowOccupancy &&
        o.slowOccupancy < o.heavyOccupancy &&
        o.heavyOccupancy < o.jamOccupancy &&
        o.jamOccupancy <= 1
      )
    ) {
      throw new RangeError(
        `CongestionMonitor: occupancies must satisfy 0 < slow < heavy < jam <= 1, got ${o.slowOccupancy}, ${o.heavyOccupancy}, ${o.jamOccupancy}`,
      );
    }
    this.zoneId = zoneId;
    this.o = o;
    this.speed = new RollingWindow(o.windowMs);
    this.density = new RollingWindow(o.windowMs);
    this.vehicles = new RollingWindow(o.windowMs);
    this.occupied = new RollingWindow(OCCUPANCY_MS);
    this.occupancy = new RollingWindow(o.windowMs);
  }

  static restore(state: CongestionMonitorState, options: CongestionMonitorOptions = {}): CongestionMonitor {
    return new CongestionMonitor(state.zoneId, options).restoreFrom(state);
  }

  /** Carries on from a {@link snapshot} of a monitor of the same zone. */
  restoreFrom(state: CongestionMonitorState): this {
    if (state.version !== 1)
      throw new RangeError(`CongestionMonitor.restore: unknown state version ${state.version}`);
    if (state.zoneId !== this.zoneId) {
      throw new RangeError(
        `CongestionMonitor.restore: state of zone "${state.zoneId}", not "${this.zoneId}"`,
      );
    }
    this.levelIndex = state.level;
    this.atLeastSince = [...state.atLeastSince];
    this.belowSince = [...state.belowSince];
    this.firstTsMs = state.firstTsMs;
    this.speed = RollingWindow.restore(state.speed);
    this.density = RollingWindow.restore(state.density);
    this.vehicles = RollingWindow.restore(state.vehicles);
    this.occupied = RollingWindow.restore(state.occupied);
    this.occupancy = RollingWindow.restore(state.occupancy);
    return this;
  }

  snapshot(): CongestionMonitorState {
    return {
      version: 1,
      zoneId: this.zoneId,
      level: this.levelIndex,
      atLeastSince: [...this.atLeastSince],
      belowSince: [...this.belowSince],
      firstTsMs: this.firstTsMs,
      speed: this.speed.snapshot(),
      density: this.density.snapshot(),
      vehicles: this.vehicles.snapshot(),
      occupied: this.occupied.snapshot(),
      occupancy: this.occupancy.snapshot(),
    };
  }

  /** The declared state. */
  get level(): CongestionLevel {
    return CONGESTION_LEVELS[this.levelIndex];
  }

  /** The windowed measures the state is judged on. */
  measures(): {
    speedKmh: number | null;
    densityPcuKm: number | null;
    vehicles: number | null;
    occupancy: number | null;
  } {
    return {
      speedKmh: this.speed.median(),
      densityPcuKm: this.density.median(),
      vehicles: this.vehicles.median(),
      occupancy: this.occupancy.median(),
    };
  }

  /** Feeds this frame's sample of the zone; returns jam_start / jam_worsen / jam_clear, if any. */
  update(zone: ZoneSample, tsMs: number): Condition[] {
    this.pushSample(zone, tsMs);
    this.markLevels(this.targetLevel(), tsMs);
    const from = this.levelIndex;
    const to = this.nextLevel(tsMs);
    if (to === from) return [];
    this.levelIndex = to;
    return this.conditions(zone, tsMs, from, to);
  }

  /** Adds the frame's sample to the rolling windows. */
  private pushSample(zone: ZoneSample, tsMs: number): void {
    this.firstTsMs ??= tsMs;
    this.speed.push(tsMs, zone.vehicles > 0 ? zone.meanSpeedKmh : null);
    this.density.push(tsMs, zone.densityPcuKm);
    this.vehicles.push(tsMs, zone.vehicles);
    this.occupied.push(tsMs, zone.vehicles > 0 ? 1 : 0);
    this.occupancy.push(tsMs, this.occupied.mean());
  }

  /** Per level k, starts or clears the times since the windowed level has been ≥ k and < k. */
  private markLevels(target: number, tsMs: number): void {
    for (let k = 1; k <= 3; k++) {
      if (target >= k) {
        this.atLeastSince[k] ??= tsMs;
        this.belowSince[k] = null;
      } else {
        this.belowSince[k] ??= tsMs;
        this.atLeastSince[k] = null;
      }
    }
  }

  /** The level to declare now: the highest one held long enough, or one lower; the current one if none. */
  private nextLevel(tsMs: number): number {
    const hold = this.o.minDurationMs;
    const held = (since: number | null) => since !== null && tsMs - since >= hold;
    const from = this.levelIndex;
    let to = from;
    for (let k = 3; k > from; k--) {
      if (held(this.atLeastSince[k])) {
        to = k;
        break;
      }
    }
    // One onset, one event: when a higher level followed within a quarter window (the same change
    // seen through the window), wait the moment it takes to be held too rather than report twice.
    const since = to > from ? this.atLeastSince[to] : null;
    for (let k = 3; k > to && since !== null; k--) {
      const higher = this.atLeastSince[k];
      if (higher !== null && higher - since <= this.o.windowMs / 4) return from;
    }
    if (to === from) while (to > 0 && held(this.belowSince[to])) to--;
    return to;
  }

  /** The jam_start / jam_worsen / jam_clear event, if any, of the change from level `from` to `to`. */
  private conditions(zone: ZoneSample, tsMs: number, from: number, to: number): Condition[] {
    const start = this.o.startLevel === 'jam' ? 3 : 2;
    const m0 = this.measures();
    // When the windowed measures first showed the new state, less half a window (see the class doc).
    const crossed = (to > from ? this.atLeastSince[to] : this.belowSince[Math.max(start, to + 1)]) ?? tsMs;
    // (Occupancy is itself a mean over OCCUPANCY_MS, which lags half of that more.)
    const lag = this.o.windowMs / 2 + (m0.speedKmh === null ? OCCUPANCY_MS / 2 : 0);
    const startedMs = Math.max(this.firstTsMs ?? tsMs, crossed - lag);
    const m = m0;
    const value = m.speedKmh ?? m.occupancy ?? 0;
    const details = { from: CONGESTION_LEVELS[from], to: CONGESTION_LEVELS[to], ...m };
    const base = {
      zoneId: this.zoneId,
      trackId: null,
      startedMs,
      tsMs,
      value,
      trackIds: zone.trackIds,
      details,
    };
    const what =
      m.speedKmh !== null
        ? `median speed ${m.speedKmh.toFixed(1)} km/h`
        : `occupancy ${((m.occupancy ?? 0) * 100).toFixed(0)} %`;
    if (from < start && to >= start) {
      return [
        {
          ...base,
          type: 'jam_start',
          phase: 'start',
          message: `${this.level} traffic in ${this.zoneId} (${what})`,
        },
      ];
    }
    if (from >= start && to > from) {
      return [
        {
          ...base,
          type: 'jam_worsen',
          phase: 'worsen',
          message: `traffic in ${this.zoneId} worsened to ${this.level} (${what})`,
        },
      ];
    }
    if (from >= start && to < start) {
      return [
        {
          ...base,
          type: 'jam_clear',
          phase: 'end',
          message: `traffic in ${this.zoneId} cleared to ${this.level} (${what})`,
        },
      ];
    }
    return [];
  }

  /** The level the windowed measures show now, with hysteresis relative to the declared level. */
  private targetLevel(): number {
    const o = this.o;
    const cur = this.levelIndex;
    const vehicles = this.vehicles.median();
    if (vehicles === null || this.vehicles.mean() === 0) return 0; // an empty zone flows freely
    let level = 0;
    const speed = this.speed.median();
    if (speed !== null) {
      const ratios = [1, o.slowSpeedRatio, o.heavySpeedRatio, o.jamSpeedRatio];
      for (let k = 1; k <= 3; k++) {
        const enter = ratios[k] * o.freeFlowKmh;
        if (speed < (k <= cur ? enter * (1 + o.hysteresis) : enter)) level = k;
      }
    } else if (this.density.count === 0) {
      // No calibration: time occupancy.
      const occ = this.occupancy.median() ?? 0;
      const bands = [0, o.slowOccupancy, o.heavyOccupancy, o.jamOccupancy];
      for (let k = 1; k <= 3; k++) {
        if (occ >= (k <= cur ? bands[k] * (1 - o.hysteresis) : bands[k])) level = k;
      }
    }
    if (level >= 2) {
      const density = this.density.median();
      const queued = density !== null ? density >= o.minDensityPcuKm : vehicles >= o.minVehicles;
      if (!queued) level = 1;
    }
    return level;
  }
}
