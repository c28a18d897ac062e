import type { Condition } from './condition.ts';

/** One key's state in an {@link AlertGate}. */
export interface GateEntry {
  key: string;
  /** A condition is open (raised or suppressed). */
  active: boolean;
  /** Its start was raised (not held back by the cooldown). */
  raised: boolean;
  /** Its worsening was raised. */
  worsened: boolean;
  /** When the last condition of this key ended; null if none has. */
  lastEndMs: number | null;
}

export interface AlertGateState {
  version: 1;
  entries: GateEntry[];
}

/**
 * Deduplication and cooldown, per key (camera + rule + zone, and the track for incidents):
 *
 *   condition   ___/‾‾‾‾‾‾‾‾‾‾\_____/‾‾‾\_______________/‾‾‾‾‾‾‾‾
 *   events         ▲ start     ▲ end  (nothing: cooldown)   ▲ start
 *                              └──── cooldownMs ────┘
 *
 * - an open condition raises one start (a second start for the same key is dropped) and at most one
 *   worsening;
 * - after it ends, a new start within cooldownMs is held back, and so is its end;
 * - an end is passed only when its start was.
 *
 * @example
 *   const gate = new AlertGate();
 *   for (const c of monitor.update(zone, tsMs)) if (gate.admit(`jam|${c.zoneId}|`, c, 60_000)) emit(c);
 */
export class AlertGate {
  private entries = new Map<string, GateEntry>();

  static restore(state: AlertGateState): AlertGate {
    if (state.version !== 1)
      throw new RangeError(`AlertGate.restore: unknown state version ${state.version}`);
    const g = new AlertGate();
    for (const e of state.entries) g.entries.set(e.key, { ...e });
    return g;
  }

  snapshot(): AlertGateState {
    return { version: 1, entries: [...this.entries.values()].map((e) => ({ ...e })) };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether this condition becomes an event. */
  admit(key: string, c: Condition, cooldownMs: number): boolean {
    let e = this.entries.get(key);
    if (c.phase === 'start') {
      if (e?.active) return false;
      e ??= { key, active: false, raised: false, worsened: false, lastEndMs: null };
      this.entries.set(key, e);
      e.active = true;
      e.worsened = false;
      e.raised = e.lastEndMs === null || c.tsMs - e.lastEndMs >= cooldownMs;
      return e.raised;
    }
    if (!e?.active) return false;
    if (c.phase === 'worsen') {
      if (!e.raised || e.worsened) return false;
      e.worsened = true;
      return true;
    }
    e.active = false;
    e.lastEndMs = c.tsMs;
    return e.raised && !c.silent;
  }

  /** Forgets keys that are closed and out of their cooldown (bounded memory over many tracks). */
  prune(tsMs: number, cooldownOf: (key: string) => number): void {
    for (const [k, e] of this.entries) {
      if (!e.active && e.lastEndMs !== null && tsMs - e.lastEndMs >= cooldownOf(k)) this.entries.delete(k);
    }
  }
}
