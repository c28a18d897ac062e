import type { LineCrossing } from '../../schemas/measures.ts';

/** How long a crossing waits for its vehicle's speed after it crossed, ms: the speed fit's window. */
export const SPEED_WAIT_MS = 2000;

/**
 * Crossings whose vehicle has no ground speed yet, held until it has one. A vehicle driving away
 * from the camera enters at the picture's lower edge and is over a line near it one or two analysed
 * frames later, before the speed fit has the 0.8 s of positions it needs; without waiting, such
 * crossings (all of them on a highway seen from an overpass) are stored with no speed at all.
 *
 *   crossed ──▶ speed known now? ──yes──▶ stored with it
 *                    │ no
 *                    ▼
 *               held: each frame ──▶ speed known ─────────────▶ stored with it
 *                                ──▶ track ended, or waited SPEED_WAIT_MS ──▶ stored without
 *
 * The speed is the fit over the track's positions around the crossing (up to SPEED_WAIT_MS after
 * it), which for a vehicle keeping its speed is its speed at the line. Plain JSON state, carried
 * across segments with the rest of the measurer.
 *
 * @example
 *   const wait = new CrossingSpeeds();
 *   wait.hold(crossing);                                      // its speed is unknown
 *   for (const c of wait.release(tsMs, speedOf, endedIds)) store(c); // c.speedKmh: a number or null
 */
export class CrossingSpeeds {
  private held: LineCrossing[];

  constructor(state: readonly LineCrossing[] = []) {
    this.held = state.map((c) => ({ ...c }));
  }

  get size(): number {
    return this.held.length;
  }

  hold(c: LineCrossing): void {
    this.held.push({ ...c });
  }

  /**
   * The held crossings whose vehicle's speed is known at tsMs (with it), and those that waited long
   * enough or whose track `ended` (with null). The rest stay held.
   */
  release(tsMs: number, speedOf: (trackId: number) => number | null, ended: ReadonlySet<number>) {
    const out: LineCrossing[] = [];
    this.held = this.held.filter((c) => {
      const speedKmh = speedOf(c.trackId);
      if (speedKmh === null && !ended.has(c.trackId) && tsMs - c.tsMs < SPEED_WAIT_MS) return true;
      out.push({ ...c, speedKmh });
      return false;
    });
    return out;
  }

  /** Every held crossing (the source ended), with its speed if known by now. */
  flush(speedOf: (trackId: number) => number | null): LineCrossing[] {
    const out = this.held.map((c) => ({ ...c, speedKmh: speedOf(c.trackId) }));
    this.held = [];
    return out;
  }

  snapshot(): LineCrossing[] {
    return this.held.map((c) => ({ ...c }));
  }
}
