import type { AnalyticsFrame, SceneObject } from '../../schemas/analytics.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { EventType } from '../../schemas/events.ts';
import type { Condition } from './condition.ts';
import { HeldCondition, type HeldConditionOptions, type HeldConditionState } from './held-condition.ts';

/** One track's state in a {@link TrackConditions}. */
export interface TrackConditionState {
  trackId: number;
  zoneId: string;
  lastSeenMs: number;
  condition: HeldConditionState;
}

export interface TrackConditionsState {
  version: 1;
  tracks: TrackConditionState[];
}

export interface TrackConditionsOptions extends HeldConditionOptions {
  type: EventType;
  zoneIds: readonly string[];
  classes: readonly ProductClass[];
  /** A track not seen this long is forgotten, ms. */
  forgetAfterMs: number;
}

/**
 * The per-track bookkeeping the incident detectors share: for each track of the watched classes
 * inside one of the watched zones, a {@link HeldCondition} on a per-frame test (stationary, present),
 * so an incident is raised once per track per episode (a stop, an entry). Outside the zones the test
 * counts as false; a track not seen for forgetAfterMs is forgotten. Episodes end without an event.
 */
export class TrackConditions {
  private readonly o: TrackConditionsOptions;
  private readonly zones: ReadonlySet<string>;
  private readonly classes: ReadonlySet<ProductClass>;
  private tracks = new Map<number, { zoneId: string; lastSeenMs: number; condition: HeldCondition }>();

  constructor(options: TrackConditionsOptions) {
    if (!(options.forgetAfterMs >= 0)) throw new RangeError('forgetAfterMs must be >= 0');
    // Validates the durations.
    new HeldCondition(options);
    this.o = options;
    this.zones = new Set(options.zoneIds);
    this.classes = new Set(options.classes);
  }

  restoreFrom(state: TrackConditionsState): void {
    if (state.version !== 1) throw new RangeError(`unknown track state version ${state.version}`);
    this.tracks = new Map(
      state.tracks.map((t) => [
        t.trackId,
        { zoneId: t.zoneId, lastSeenMs: t.lastSeenMs, condition: HeldCondition.restore(t.condition, this.o) },
      ]),
    );
  }

  snapshot(): TrackConditionsState {
    return {
      version: 1,
      tracks: [...this.tracks].map(([trackId, t]) => ({
        trackId,
        zoneId: t.zoneId,
        lastSeenMs: t.lastSeenMs,
        condition: t.condition.snapshot(),
      })),
    };
  }

  /** Tracks followed now (for tests and memory checks). */
  get size(): number {
    return this.tracks.size;
  }

  /**
   * One frame: `test(object)` says whether the condition holds for an object in a watched zone
   * (null: cannot tell this frame, e.g. no speed yet). `describe` builds the start condition.
   */
  update(
    frame: AnalyticsFrame,
    test: (o: SceneObject) => boolean | null,
    describe: (
      o: SceneObject,
      zoneId: string,
      sinceMs: number,
    ) => Pick<Condition, 'value' | 'message' | 'details'>,
  ): Condition[] {
    const out: Condition[] = [];
    const ts = frame.tsMs;
    const zoneOf = new Map<number, string>();
    for (const z of frame.zones) {
      if (!this.zones.has(z.zoneId)) continue;
      for (const id of z.trackIds) if (!zoneOf.has(id)) zoneOf.set(id, z.zoneId);
    }
    for (const o of frame.objects) {
      if (!this.classes.has(o.cls)) continue;
      const zoneId = zoneOf.get(o.trackId);
      let t = this.tracks.get(o.trackId);
      if (!zoneId) {
        if (t) {
          // Out of the zones counts as the condition not holding: an episode ends after offAfterMs
          // outside (so an anchor jittering across a zone edge does not start a new one), and a run
          // towards one is broken after graceMs.
          t.lastSeenMs = ts;
          const c = t.condition.update(false, ts);
          if (c?.change === 'off') out.push(this.end(t.zoneId, o.trackId, c.sinceMs, ts));
          if (!t.condition.active && !t.condition.pending) this.tracks.delete(o.trackId);
        }
        continue;
      }
      if (!t) {
        t = { zoneId, lastSeenMs: ts, condition: new HeldCondition(this.o) };
        this.tracks.set(o.trackId, t);
      }
      t.lastSeenMs = ts;
      if (!t.condition.active) t.zoneId = zoneId;
      const holds = test(o);
      if (holds === null) continue;
      const c = t.condition.update(holds, ts);
      if (c?.change === 'on') {
        out.push({
          type: this.o.type,
          phase: 'start',
          zoneId: t.zoneId,
          trackId: o.trackId,
          startedMs: c.sinceMs,
          tsMs: ts,
          trackIds: [o.trackId],
          ...describe(o, t.zoneId, c.sinceMs),
        });
      } else if (c?.change === 'off') {
        out.push(this.end(t.zoneId, o.trackId, c.sinceMs, ts));
      }
    }
    for (const [id, t] of this.tracks) {
      if (ts - t.lastSeenMs > this.o.forgetAfterMs) {
        if (t.condition.active) out.push(this.end(t.zoneId, id, t.condition.activeSinceMs ?? ts, ts));
        this.tracks.delete(id);
      }
    }
    return out;
  }

  private end(zoneId: string, trackId: number, startedMs: number, tsMs: number): Condition {
    return {
      type: this.o.type,
      phase: 'end',
      silent: true,
      zoneId,
      trackId,
      startedMs,
      tsMs,
      value: 0,
      trackIds: [trackId],
      message: '',
      details: {},
    };
  }
}
