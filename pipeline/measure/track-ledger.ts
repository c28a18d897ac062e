import type { ProductClass } from '../../schemas/classes.ts';
import type { TrackRow } from '../../schemas/measures.ts';

/** Path points are kept at least this far apart in time, ms; and at most MAX_PATH of them. */
const PATH_SPACING_MS = 500;
const MAX_PATH = 32;

interface Entry {
  trackId: number;
  cls: ProductClass;
  firstSeenMs: number;
  lastSeenMs: number;
  hits: number;
  path: Array<[number, number]>;
  lastPathMs: number;
  /** Last ground point used for the distance, and its time. */
  lastWorld: [number, number] | null;
  lastWorldMs: number;
  distanceM: number;
  calibrated: boolean;
  speedSum: number;
  speedN: number;
}

export interface TrackLedgerState {
  version: 1;
  tracks: Entry[];
}

/**
 * One summary per tracked object, for the `tracks` table: first and last sighting, hits, voted
 * class, a sampled path, ground distance and mean speed. A track ends when it has not been seen for
 * `endAfterMs` (set it just above the tracker's lost buffer: by then the tracker has dropped it too)
 * or when the source ends ({@link flush}).
 *
 * Distance is summed between ground points at least 0.5 s apart, not frame to frame: box jitter
 * would otherwise add up to metres of zig-zag on a parked car.
 *
 * @example
 *   const ledger = new TrackLedger();
 *   ledger.observe(7, 'car', [320, 410], [3.1, 22.4], 31.5, tsMs);
 *   const ended = ledger.ended(tsMs, 2500); // TrackRow[] of tracks gone for 2.5 s
 */
export class TrackLedger {
  private tracks = new Map<number, Entry>();

  static restore(state: TrackLedgerState): TrackLedger {
    if (state.version !== 1) throw new RangeError(`TrackLedger.restore: unknown version ${state.version}`);
    const l = new TrackLedger();
    for (const t of state.tracks) l.tracks.set(t.trackId, structuredClone(t));
    return l;
  }

  snapshot(): TrackLedgerState {
    return { version: 1, tracks: [...this.tracks.values()].map((t) => structuredClone(t)) };
  }

  /** A confirmed track seen at tsMs: its voted class, anchor (pixels), ground point and speed if known. */
  observe(
    trackId: number,
    cls: ProductClass,
    anchor: readonly [number, number],
    world: readonly [number, number] | null,
    speedKmh: number | null,
    tsMs: number,
  ): void {
    let t = this.tracks.get(trackId);
    if (!t) {
      t = {
        trackId,
        cls,
        firstSeenMs: tsMs,
        lastSeenMs: tsMs,
        hits: 0,
        path: [],
        lastPathMs: -Infinity,
        lastWorld: null,
        lastWorldMs: -Infinity,
        distanceM: 0,
        calibrated: false,
        speedSum: 0,
        speedN: 0,
      };
      this.tracks.set(trackId, t);
    }
    t.cls = cls;
    t.lastSeenMs = tsMs;
    t.hits++;
    if (tsMs - t.lastPathMs >= PATH_SPACING_MS) {
      t.path.push([Math.round(anchor[0] * 10) / 10, Math.round(anchor[1] * 10) / 10]);
      t.lastPathMs = tsMs;
      // Halve the resolution rather than grow: long tracks keep their whole shape, coarser.
      if (t.path.length > MAX_PATH) t.path = t.path.filter((_, i) => i % 2 === 0);
    }
    if (world) {
      t.calibrated = true;
      if (!t.lastWorld) {
        t.lastWorld = [world[0], world[1]];
        t.lastWorldMs = tsMs;
      } else if (tsMs - t.lastWorldMs >= PATH_SPACING_MS) {
        t.distanceM += Math.hypot(world[0] - t.lastWorld[0], world[1] - t.lastWorld[1]);
        t.lastWorld = [world[0], world[1]];
        t.lastWorldMs = tsMs;
      }
    }
    if (speedKmh !== null) {
      t.speedSum += speedKmh;
      t.speedN++;
    }
  }

  /** The class last voted for a track, if known. */
  classOf(trackId: number): ProductClass | undefined {
    return this.tracks.get(trackId)?.cls;
  }

  /** Tracks not seen for more than endAfterMs at tsMs: removed and returned. */
  ended(tsMs: number, endAfterMs: number): TrackRow[] {
    const out: TrackRow[] = [];
    for (const [id, t] of this.tracks) {
      if (tsMs - t.lastSeenMs <= endAfterMs) continue;
      out.push(row(t));
      this.tracks.delete(id);
    }
    return out;
  }

  /** Every track (the source ended): removed and returned. */
  flush(): TrackRow[] {
    const out = [...this.tracks.values()].map(row);
    this.tracks.clear();
    return out;
  }

  get size(): number {
    return this.tracks.size;
  }
}

function row(t: Entry): TrackRow {
  return {
    trackId: t.trackId,
    cls: t.cls,
    firstSeenMs: t.firstSeenMs,
    lastSeenMs: t.lastSeenMs,
    hits: t.hits,
    path: t.path,
    distanceM: t.calibrated ? Math.round(t.distanceM * 10) / 10 : null,
    meanSpeedKmh: t.speedN ? Math.round((t.speedSum / t.speedN) * 10) / 10 : null,
  };
}
