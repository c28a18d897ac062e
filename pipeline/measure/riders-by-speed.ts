import type { ProductClass } from '../../schemas/classes.ts';
import type { SceneLine } from '../../schemas/scene.ts';

/**
 * Ground speed (km/h) from which a `person` track is taken for a rider: above a runner's pace (10-15
 * km/h), below a motorbike's in dense city traffic (20-40 km/h).
 */
export const RIDER_KMH = 20;

/**
 * A person moving at a vehicle's speed is riding one. Riders whose motorbike the detector also finds
 * are dropped before tracking (track/riders.ts); but in dense traffic, at night or seen from behind,
 * the detector often finds only the rider, and the track is voted `person`: a pedestrian walking in the
 * roadway at 30 km/h, counted on people's lines and missing from the motorbikes'.
 *
 *   person track ──▶ ground speed (SpeedEstimator fit) ≥ RIDER_KMH ? ──yes──▶ motorcycle, from then on
 *                                                        │ no
 *                                                        ▼
 *                                                      person
 *
 * Only on a calibrated camera: the speed is the measurer's fit over the track's ground positions
 * (0.8 s or more), not one frame's step, so a pedestrian's box jitter does not reach it. Image motion
 * alone does not tell them apart: a motorbike riding towards the camera crosses few pixels a second,
 * and a pedestrian's first velocity (seeded from the motion step) can be many box heights a second.
 * Once a rider, a track stays one until it ends (a motorbike that stops at a light is still one).
 * `motorcycle` rather than `bicycle`: a cyclist at 20 km/h is rarer than a motorbike, and the
 * detector calls most cyclists motorcycles anyway. A person crossing a line before its track has a
 * speed (new tracks near the line) waits for it, as a vehicle's speed does (CrossingSpeeds, at most
 * 2 s), and is counted then, as what the speed says, in the interval open then; so a line that
 * counts motorcycles and not people follows people too ({@link followingRiders}).
 *
 * @example
 *   const riders = new RidersBySpeed();
 *   riders.classOf(7, 'person', 4.5);   // 'person'
 *   riders.classOf(7, 'person', 26);    // 'motorcycle'
 *   riders.classOf(7, 'person', null);  // 'motorcycle' (it stays one)
 *   riders.forget([7]);                 // the track ended
 */
export class RidersBySpeed {
  private readonly riders: Set<number>;

  constructor(state: readonly number[] = []) {
    this.riders = new Set(state);
  }

  /** The class to measure a track by, given its voted class and its ground speed now (null: not known). */
  classOf(trackId: number, cls: ProductClass, speedKmh: number | null): ProductClass {
    if (cls !== 'person') return cls;
    if (speedKmh !== null && speedKmh >= RIDER_KMH) this.riders.add(trackId);
    return this.riders.has(trackId) ? 'motorcycle' : cls;
  }

  /** Tracks that ended. */
  forget(trackIds: Iterable<number>): void {
    for (const id of trackIds) this.riders.delete(id);
  }

  get size(): number {
    return this.riders.size;
  }

  snapshot(): number[] {
    return [...this.riders];
  }
}

/**
 * The line a LineZone follows on a calibrated camera: one that counts motorcycles and not people
 * follows people too, since a person crossing it may turn out a rider once its speed is known (the
 * measurer drops the crossings of those who do not).
 */
export function followingRiders(line: SceneLine): SceneLine {
  const c = line.classes;
  if (!c?.includes('motorcycle') || c.includes('person')) return line;
  return { ...line, classes: [...c, 'person'] };
}
