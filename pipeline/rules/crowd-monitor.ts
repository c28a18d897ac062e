import type { ZoneSample } from '../../schemas/analytics.ts';
import type { Condition } from './condition.ts';
import { HeldCondition, type HeldConditionState } from './held-condition.ts';
import { RollingWindow, type RollingWindowState } from './rolling-window.ts';

export interface CrowdMonitorOptions {
  /** A crowd: at least this many persons in the zone (median over the window; default 10). */
  minPersons?: number;
  /** ... or at least this many persons per m² (null: not used; needs calibration). Default null. */
  minPersonsPerM2?: number | null;
  /** The crowd must persist this long before crowd_form, and be gone as long before crowd_disperse, ms (default 20 000). */
  minDurationMs?: number;
  /** Rolling window of the person count and density (median), ms (default 10 000). */
  windowMs?: number;
  /** A formed crowd disperses below (1 − hysteresis) × the thresholds (default 0.3). */
  hysteresis?: number;
}

export const DEFAULT_CROWD_OPTIONS: Readonly<Required<CrowdMonitorOptions>> = {
  minPersons: 10,
  minPersonsPerM2: null,
  minDurationMs: 20_000,
  windowMs: 10_000,
  hysteresis: 0.3,
};

export interface CrowdMonitorState {
  version: 1;
  zoneId: string;
  condition: HeldConditionState;
  persons: RollingWindowState;
  density: RollingWindowState;
  firstTsMs: number | null;
}

/**
 * Crowds in one zone: person count (and density, with calibration) over a rolling window; crowd_form
 * when it stays at or above the threshold for minDurationMs, crowd_disperse when it stays below the
 * lower, hysteresis threshold as long.
 *
 *   persons
 *     12 ┤┄┄┄┄┄┄┄┄┄┄┄╱‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾╲┄┄┄┄┄┄┄┄┄┄┄┄   minPersons
 *    8.4 ┤┄┄┄┄┄┄┄┄┄┄╱┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄╲┄┄┄┄┄┄┄┄┄┄┄   (1 − hysteresis) × minPersons
 *        ┤_________╱                       ╲__________
 *           crowd_form ┘←minDuration          crowd_disperse ┘←minDuration
 *
 * startedMs is backdated by half the window, as in CongestionMonitor.
 *
 * @example
 *   const plaza = new CrowdMonitor('plaza', { minPersons: 12, minDurationMs: 20_000 });
 *   for (const f of frames) {
 *     const z = f.zones.find((s) => s.zoneId === 'plaza');
 *     if (z) for (const c of plaza.update(z, f.tsMs)) console.log(c.type, c.value);
 *   }
 */
export class CrowdMonitor {
  readonly zoneId: string;
  private readonly o: Required<CrowdMonitorOptions>;
  private condition: HeldCondition;
  private persons: RollingWindow;
  private density: RollingWindow;
  private firstTsMs: number | null = null;

  constructor(zoneId: string, options: CrowdMonitorOptions = {}) {
    const o = { ...DEFAULT_CROWD_OPTIONS, ...options };
    if (!(Number.isInteger(o.minPersons) && o.minPersons >= 1)) {
      throw new RangeError(`CrowdMonitor: minPersons must be an integer >= 1, got ${o.minPersons}`);
    }
    if (o.minPersonsPerM2 !== null && !(o.minPersonsPerM2 > 0)) {
      throw new RangeError(`CrowdMonitor: minPersonsPerM2 must be > 0 or null, got ${o.minPersonsPerM2}`);
    }
    if (!(o.hysteresis >= 0 && o.hysteresis < 1)) {
      throw new RangeError(`CrowdMonitor: hysteresis must be in [0, 1), got ${o.hysteresis}`);
    }
    this.zoneId = zoneId;
    this.o = o;
    this.condition = new HeldCondition({ onAfterMs: o.minDurationMs, offAfterMs: o.minDurationMs });
    this.persons = new RollingWindow(o.windowMs);
    this.density = new RollingWindow(o.windowMs);
  }

  static restore(state: CrowdMonitorState, options: CrowdMonitorOptions = {}): CrowdMonitor {
    return new CrowdMonitor(state.zoneId, options).restoreFrom(state);
  }

  /** Carries on from a {@link snapshot} of a monitor of the same zone. */
  restoreFrom(state: CrowdMonitorState): this {
    if (state.version !== 1)
      throw new RangeError(`CrowdMonitor.restore: unknown state version ${state.version}`);
    if (state.zoneId !== this.zoneId) {
      throw new RangeError(`CrowdMonitor.restore: state of zone "${state.zoneId}", not "${this.zoneId}"`);
    }
    this.condition = HeldCondition.restore(state.condition, {
      onAfterMs: this.o.minDurationMs,
      offAfterMs: this.o.minDurationMs,
    });
    this.persons = RollingWindow.restore(state.persons);
    this.density = RollingWindow.restore(state.density);
    this.firstTsMs = state.firstTsMs;
    return this;
  }

  snapshot(): CrowdMonitorState {
    return {
      version: 1,
      zoneId: this.zoneId,
      condition: this.condition.snapshot(),
      persons: this.persons.snapshot(),
      density: this.density.snapshot(),
      firstTsMs: this.firstTsMs,
    };
  }

  /** Whether a crowd is declared in the zone. */
  get formed(): boolean {
    return this.condition.active;
  }

  update(zone: ZoneSample, tsMs: number): Condition[] {
    this.firstTsMs ??= tsMs;
    this.persons.push(tsMs, zone.persons);
    this.density.push(tsMs, zone.personsPerM2);
    const persons = this.persons.median() ?? 0;
    const density = this.density.median();
    const f = this.condition.active ? 1 - this.o.hysteresis : 1;
    const crowded =
      persons >= f * this.o.minPersons ||
      (this.o.minPersonsPerM2 !== null && density !== null && density >= f * this.o.minPersonsPerM2);
    const c = this.condition.update(crowded, tsMs);
    if (!c) return [];
    const startedMs = Math.max(this.firstTsMs, c.sinceMs - this.o.windowMs / 2);
    const dens = density === null ? '' : `, ${density.toFixed(2)} persons/m²`;
    const base = {
      zoneId: this.zoneId,
      trackId: null,
      startedMs,
      tsMs,
      value: persons,
      trackIds: zone.trackIds,
      details: { persons, personsPerM2: density },
    };
    return c.change === 'on'
      ? [
          {
            ...base,
            type: 'crowd_form',
            phase: 'start',
            message: `crowd of ${persons} in ${this.zoneId}${dens}`,
          },
        ]
      : [
          {
            ...base,
            type: 'crowd_disperse',
            phase: 'end',
            message: `crowd in ${this.zoneId} dispersed (${persons} left${dens})`,
          },
        ];
  }
}
