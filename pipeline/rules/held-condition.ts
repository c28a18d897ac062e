/** Plain-JSON state of a {@link HeldCondition}. */
export interface HeldConditionState {
  active: boolean;
  /** When the current run of observations contradicting `active` began; null when none. */
  runSinceMs: number | null;
  /** When observations agreeing with `active` again began interrupting that run; null when none. */
  brokenSinceMs: number | null;
  /** When the active condition began (the start of the run that switched it on). */
  activeSinceMs: number | null;
}

/** A switch of a {@link HeldCondition}: on or off, and when the run that caused it began. */
export interface HeldChange {
  change: 'on' | 'off';
  sinceMs: number;
}

export interface HeldConditionOptions {
  /** The condition must hold this long before it is declared on, ms. */
  onAfterMs: number;
  /** It must be false this long before it is declared off, ms. */
  offAfterMs: number;
  /**
   * While off, contrary observations shorter than this do not break a run towards on (flicker guard:
   * a stopped car's speed spike), ms (default 0). While on, any observation that it holds breaks a
   * run towards off, so scattered off-readings never add up to an end.
   */
  graceMs?: number;
}

/**
 * A boolean condition with minimum durations: declared on after it has held `onAfterMs`, off after
 * it has been false `offAfterMs`. Each switch is reported once, so a condition that flickers around
 * its threshold raises nothing until it settles.
 *
 *   observed  ___/‾‾\_/‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾\__/‾\_____________
 *   declared  ___________________/‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾\______     on: the run began at ‾ after _/
 *                       onAfterMs ┘           offAfterMs ┘
 *
 * Frames in which nothing was observed (a missed detection) are simply not passed to update().
 *
 * @example
 *   const stopped = new HeldCondition({ onAfterMs: 30_000, offAfterMs: 3_000, graceMs: 1_000 });
 *   const c = stopped.update(speedKmh < 3, tsMs);
 *   if (c?.change === 'on') console.log(`stationary since ${c.sinceMs}`);
 */
export class HeldCondition {
  private readonly o: Required<HeldConditionOptions>;
  private s: HeldConditionState = {
    active: false,
    runSinceMs: null,
    brokenSinceMs: null,
    activeSinceMs: null,
  };

  constructor(options: HeldConditionOptions) {
    const o = { graceMs: 0, ...options };
    for (const k of ['onAfterMs', 'offAfterMs', 'graceMs'] as const) {
      if (!(o[k] >= 0 && Number.isFinite(o[k]))) {
        throw new RangeError(`HeldCondition: ${k} must be a finite number >= 0, got ${o[k]}`);
      }
    }
    this.o = o;
  }

  static restore(state: HeldConditionState, options: HeldConditionOptions): HeldCondition {
    const h = new HeldCondition(options);
    h.s = { ...state };
    return h;
  }

  snapshot(): HeldConditionState {
    return { ...this.s };
  }

  get active(): boolean {
    return this.s.active;
  }

  /** When the active condition began; null while off. */
  get activeSinceMs(): number | null {
    return this.s.active ? this.s.activeSinceMs : null;
  }

  /** Whether a run towards the other state is under way (or being bridged by graceMs). */
  get pending(): boolean {
    return this.s.runSinceMs !== null;
  }

  /** Feeds one observation; returns the switch it completes, if any. */
  update(observed: boolean, tsMs: number): HeldChange | null {
    const s = this.s;
    if (observed === s.active) {
      if (s.runSinceMs === null) return null;
      s.brokenSinceMs ??= tsMs;
      // Grace only bridges a run towards on: a condition that is on stays on at the first sign of it.
      if (s.active || tsMs - s.brokenSinceMs >= this.o.graceMs) {
        s.runSinceMs = null;
        s.brokenSinceMs = null;
      }
      return null;
    }
    s.brokenSinceMs = null;
    s.runSinceMs ??= tsMs;
    const need = s.active ? this.o.offAfterMs : this.o.onAfterMs;
    if (tsMs - s.runSinceMs < need) return null;
    const sinceMs = s.runSinceMs;
    s.active = observed;
    s.activeSinceMs = observed ? sinceMs : null;
    s.runSinceMs = null;
    return { change: observed ? 'on' : 'off', sinceMs };
  }
}
