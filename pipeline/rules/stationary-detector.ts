import type { AnalyticsFrame, SceneObject } from '../../schemas/analytics.ts';
import { type ProductClass, VEHICLE_CLASSES } from '../../schemas/classes.ts';
import type { Condition } from './condition.ts';
import { TrackConditions, type TrackConditionsState } from './track-conditions.ts';

export interface StationaryDetectorOptions {
  /** Zones watched (lanes for stopped vehicles, no-stopping zones for illegal stops). */
  zoneIds: readonly string[];
  /** Stationary this long before the incident is raised, ms. */
  minDurationMs?: number;
  /** Stationary: slower than this, km/h, when the track has a speed (calibrated camera); default 3. */
  maxSpeedKmh?: number;
  /** Without a speed: image speed of the anchor below this, px/s (default 6). */
  maxPxPerS?: number;
  /** Moving this long ends the stop (the next stop is a new incident), ms (default 3 000). */
  resumeMs?: number;
  /** Single moving frames shorter than this (speed noise) do not break a stop, ms (default 1 000). */
  graceMs?: number;
  classes?: readonly ProductClass[];
  /** A track not seen this long is forgotten, ms (default 10 000). */
  forgetAfterMs?: number;
}

/** Whether an object stands still this frame; null when it has neither speed nor image velocity yet. */
export function isStationary(o: SceneObject, maxSpeedKmh: number, maxPxPerS: number): boolean | null {
  if (o.speedKmh !== null) return o.speedKmh < maxSpeedKmh;
  if (o.velocityPx) return Math.hypot(o.velocityPx[0], o.velocityPx[1]) < maxPxPerS;
  return null;
}

/**
 * Vehicles that stand still inside watched zones for longer than minDurationMs: once per track per
 * stop. The shared machinery of {@link StoppedVehicleDetector} and {@link NoStoppingDetector}.
 */
abstract class StationaryDetector {
  protected readonly o: Required<StationaryDetectorOptions>;
  private readonly tracks: TrackConditions;
  protected abstract readonly what: string;

  constructor(
    type: 'stopped_vehicle' | 'no_stopping',
    defaultDurationMs: number,
    options: StationaryDetectorOptions,
  ) {
    const o = {
      minDurationMs: defaultDurationMs,
      maxSpeedKmh: 3,
      maxPxPerS: 6,
      resumeMs: 3_000,
      graceMs: 1_000,
      classes: VEHICLE_CLASSES,
      forgetAfterMs: 10_000,
      ...options,
    };
    if (!o.zoneIds.length) throw new RangeError(`${type}: no zones to watch`);
    for (const k of ['maxSpeedKmh', 'maxPxPerS'] as const) {
      if (!(o[k] > 0)) throw new RangeError(`${type}: ${k} must be > 0, got ${o[k]}`);
    }
    this.o = o;
    this.tracks = new TrackConditions({
      type,
      zoneIds: o.zoneIds,
      classes: o.classes,
      forgetAfterMs: o.forgetAfterMs,
      onAfterMs: o.minDurationMs,
      offAfterMs: o.resumeMs,
      graceMs: o.graceMs,
    });
  }

  snapshot(): TrackConditionsState {
    return this.tracks.snapshot();
  }

  /** Carries on from a {@link snapshot}: a stop already raised is not raised again. */
  restoreFrom(state: TrackConditionsState): this {
    this.tracks.restoreFrom(state);
    return this;
  }

  update(frame: AnalyticsFrame): Condition[] {
    return this.tracks.update(
      frame,
      (o) => isStationary(o, this.o.maxSpeedKmh, this.o.maxPxPerS),
      (o, zoneId, sinceMs) => {
        const s = Math.round((frame.tsMs - sinceMs) / 1000);
        return {
          value: (frame.tsMs - sinceMs) / 1000,
          message: `${o.cls} ${o.trackId} ${this.what} in ${zoneId} for ${s} s`,
          details: { cls: o.cls, anchor: o.anchor, world: o.world, box: o.box },
        };
      },
    );
  }
}

/**
 * A vehicle stationary in a travel lane for longer than T (default 30 s): a breakdown, a crash, an
 * illegal stop. Speed from calibration, or the image velocity of the anchor without it.
 *
 *   lane ══▶══▶══ ▭ (0 km/h for 30 s) ══▶══▶══     → stopped_vehicle, once for this stop
 *
 * @example
 *   const stopped = new StoppedVehicleDetector({ zoneIds: ['lane-1', 'lane-2'], minDurationMs: 30_000 });
 *   for (const frame of frames) for (const c of stopped.update(frame)) console.log(c.message);
 */
export class StoppedVehicleDetector extends StationaryDetector {
  protected readonly what = 'stopped';
  constructor(options: StationaryDetectorOptions) {
    super('stopped_vehicle', 30_000, options);
  }
}

/**
 * A vehicle stationary in a no-stopping zone (a bus stop, a junction box, a kerb with no stopping)
 * for longer than T (default 60 s).
 *
 * @example
 *   const kerb = new NoStoppingDetector({ zoneIds: ['kerb'], minDurationMs: 60_000 });
 *   for (const frame of frames) for (const c of kerb.update(frame)) console.log(c.message);
 */
export class NoStoppingDetector extends StationaryDetector {
  protected readonly what = 'standing in a no-stopping zone';
  constructor(options: StationaryDetectorOptions) {
    super('no_stopping', 60_000, options);
  }
}
