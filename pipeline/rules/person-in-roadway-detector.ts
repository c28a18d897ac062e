import type { AnalyticsFrame } from '../../schemas/analytics.ts';
import type { ProductClass } from '../../schemas/classes.ts';
import type { Condition } from './condition.ts';
import { TrackConditions, type TrackConditionsState } from './track-conditions.ts';

export interface PersonInRoadwayOptions {
  /** Roadway zones watched. */
  zoneIds: readonly string[];
  /** In the roadway this long before the incident is raised, ms (default 2 000). */
  minDurationMs?: number;
  /** Out of the roadway (or unseen) this long ends the entry; the next entry is a new incident, ms (default 2 000). */
  exitMs?: number;
  classes?: readonly ProductClass[];
  forgetAfterMs?: number;
}

/**
 * A person in a roadway zone for longer than a short T: once per track per entry (the person's
 * anchor, the feet, must be inside; zone membership already has the scene's inertia).
 *
 *   kerb ─────────────────────────────
 *   roadway      🚶 (2 s) → person_in_roadway
 *   kerb ─────────────────────────────
 *
 * @example
 *   const d = new PersonInRoadwayDetector({ zoneIds: ['carriageway'] });
 *   for (const frame of frames) for (const c of d.update(frame)) console.log(c.message);
 */
export class PersonInRoadwayDetector {
  private readonly tracks: TrackConditions;

  constructor(options: PersonInRoadwayOptions) {
    if (!options.zoneIds.length) throw new RangeError('PersonInRoadwayDetector: no zones to watch');
    this.tracks = new TrackConditions({
      type: 'person_in_roadway',
      zoneIds: options.zoneIds,
      classes: options.classes ?? ['person'],
      forgetAfterMs: options.forgetAfterMs ?? options.exitMs ?? 2_000,
      onAfterMs: options.minDurationMs ?? 2_000,
      offAfterMs: options.exitMs ?? 2_000,
      graceMs: 0,
    });
  }

  snapshot(): TrackConditionsState {
    return this.tracks.snapshot();
  }

  restoreFrom(state: TrackConditionsState): this {
    this.tracks.restoreFrom(state);
    return this;
  }

  update(frame: AnalyticsFrame): Condition[] {
    // Inside a watched zone (TrackConditions only asks about those) is the condition itself.
    return this.tracks.update(
      frame,
      () => true,
      (o, zoneId, sinceMs) => ({
        value: (frame.tsMs - sinceMs) / 1000,
        message: `person ${o.trackId} in roadway ${zoneId} for ${((frame.tsMs - sinceMs) / 1000).toFixed(1)} s`,
        details: { cls: o.cls, anchor: o.anchor, world: o.world, box: o.box },
      }),
    );
  }
}
