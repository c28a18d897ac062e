import type { ZoneSample } from '../../schemas/analytics.ts';
import type { RuleMeasure } from '../../schemas/rules.ts';
import type { Condition } from './condition.ts';
import { HeldCondition, type HeldConditionState } from './held-condition.ts';
import { RollingWindow, type RollingWindowState } from './rolling-window.ts';

export interface ThresholdMonitorOptions {
  measure: RuleMeasure;
  /** Exactly one of above / below. */
  above?: number;
  below?: number;
  /** The condition must hold this long (and be gone as long before it may start again), ms (default 30 000). */
  minDurationMs?: number;
  /** Rolling window of the measure, ms (default 5 000); occupancy is the share of its frames with a vehicle. */
  windowMs?: number;
}

export interface ThresholdMonitorState {
  version: 1;
  zoneId: string;
  condition: HeldConditionState;
  values: RollingWindowState;
  firstTsMs: number | null;
  /** [trackId, last seen ms] of the tracks seen in the zone within the window. */
  recent?: Array<[number, number]>;
}

/** The per-frame value of a measure in a zone sample; null when the frame has none (no speed, no calibration). */
export function zoneMeasure(zone: ZoneSample, measure: RuleMeasure): number | null {
  switch (measure) {
    case 'vehicles':
      return zone.vehicles;
    case 'persons':
      return zone.persons;
    case 'pcu':
      return zone.pcu;
    case 'density':
      return zone.densityPcuKm;
    case 'occupancy':
      return zone.vehicles > 0 ? 1 : 0;
    case 'meanSpeed':
      return zone.vehicles > 0 ? zone.meanSpeedKmh : null;
  }
}

/**
 * A generic rule on one zone measure: raises `threshold` once when the measure (median over a short
 * window; occupancy: the window's share of frames with a vehicle) stays above (or below) a value for
 * minDurationMs. The condition ends after as long on the other side; it may then be raised again
 * (subject to the rule's cooldown).
 *
 * @example
 *   const busy = new ThresholdMonitor('box', { measure: 'vehicles', above: 20, minDurationMs: 60_000 });
 *   for (const f of frames) for (const c of busy.update(f.zones[0], f.tsMs)) console.log(c.message);
 */
export class ThresholdMonitor {
  readonly zoneId: string;
  private readonly o: Required<Omit<ThresholdMonitorOptions, 'above' | 'below'>> & {
    limit: number;
    sign: 1 | -1;
  };
  private condition: HeldCondition;
  private values: RollingWindow;
  private firstTsMs: number | null = null;
  /** Tracks seen in the zone within the window, and when last: an event's evidence. */
  private recent = new Map<number, number>();

  constructor(zoneId: string, options: ThresholdMonitorOptions) {
    const { above, below } = options;
    if ((above === undefined) === (below === undefined)) {
      throw new RangeError('ThresholdMonitor: give exactly one of above and below');
    }
    const limit = (above ?? below) as number;
    if (!Number.isFinite(limit))
      throw new RangeError(`ThresholdMonitor: threshold must be finite, got ${limit}`);
    this.o = {
      measure: options.measure,
      minDurationMs: options.minDurationMs ?? 30_000,
      windowMs: options.windowMs ?? 5_000,
      limit,
      sign: above !== undefined ? 1 : -1,
    };
    this.zoneId = zoneId;
    this.condition = new HeldCondition({ onAfterMs: this.o.minDurationMs, offAfterMs: this.o.minDurationMs });
    this.values = new RollingWindow(this.o.windowMs);
  }

  static restore(state: ThresholdMonitorState, options: ThresholdMonitorOptions): ThresholdMonitor {
    return new ThresholdMonitor(state.zoneId, options).restoreFrom(state);
  }

  /** Carries on from a {@link snapshot} of a monitor of the same zone. */
  restoreFrom(state: ThresholdMonitorState): this {
    if (state.version !== 1)
      throw new RangeError(`ThresholdMonitor.restore: unknown state version ${state.version}`);
    if (state.zoneId !== this.zoneId) {
      throw new RangeError(`ThresholdMonitor.restore: state of zone "${state.zoneId}", not "${this.zoneId}"`);
    }
    this.condition = HeldCondition.restore(state.condition, {
      onAfterMs: this.o.minDurationMs,
      offAfterMs: this.o.minDurationMs,
    });
    this.values = RollingWindow.restore(state.values);
    this.firstTsMs = state.firstTsMs;
    this.recent = new Map(state.recent ?? []);
    return this;
  }

  snapshot(): ThresholdMonitorState {
    return {
      version: 1,
      zoneId: this.zoneId,
      condition: this.condition.snapshot(),
      values: this.values.snapshot(),
      firstTsMs: this.firstTsMs,
      recent: [...this.recent],
    };
  }

  update(zone: ZoneSample, tsMs: number): Condition[] {
    this.firstTsMs ??= tsMs;
    this.values.push(tsMs, zoneMeasure(zone, this.o.measure));
    // The condition is judged on a window, so by the time it holds, the objects behind it may have
    // left: the event names the tracks seen in the zone over the window.
    for (const id of zone.trackIds) this.recent.set(id, tsMs);
    for (const [id, t] of this.recent) if (tsMs - t > this.o.windowMs) this.recent.delete(id);
    const v = this.o.measure === 'occupancy' ? this.values.mean() : this.values.median();
    // No value in the window (no vehicle, so no speed): the condition neither holds nor breaks.
    if (v === null) return [];
    const beyond = this.o.sign > 0 ? v > this.o.limit : v < this.o.limit;
    const c = this.condition.update(beyond, tsMs);
    if (c?.change !== 'on')
      return c ? [{ ...this.base(tsMs, c.sinceMs, v), phase: 'end', message: '', silent: true }] : [];
    const rel = this.o.sign > 0 ? 'above' : 'below';
    return [
      {
        ...this.base(tsMs, c.sinceMs, v),
        phase: 'start',
        message: `${this.o.measure} in ${this.zoneId} ${rel} ${this.o.limit} for ${Math.round((tsMs - c.sinceMs) / 1000)} s (now ${round(v)})`,
      },
    ];
  }

  private base(tsMs: number, sinceMs: number, v: number) {
    return {
      type: 'threshold' as const,
      zoneId: this.zoneId,
      trackId: null,
      startedMs: Math.max(this.firstTsMs ?? tsMs, sinceMs - this.o.windowMs / 2),
      tsMs,
      value: v,
      trackIds: [...this.recent.keys()].sort((a, b) => a - b),
      details: { measure: this.o.measure, [this.o.sign > 0 ? 'above' : 'below']: this.o.limit },
    };
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
