import { CameraAnalytics } from '../../pipeline/analytics/camera-analytics.ts';
import { HIGHWAY_LINE, highwayScene } from '../synthetic/highway-scene.ts';
import { allowedError, type CountRow } from './eval-counts.ts';

/** The tracker settings of the product's defaults (schemas/config.ts). */
const TRACKER = { highThreshold: 0.4, newTrackThreshold: 0.4, minHits: 2, lostTtlMs: 1500, lostFrames: 4 };

/**
 * Line counts on the synthetic highway (benchmarks/synthetic/highway-scene.ts: 5 lanes towards the
 * camera, or with `away` leaving it, 80-120 km/h, platoons, a fifth motorbikes filtering between
 * lanes, detector misses) through
 * the product's analytics chain (CameraAnalytics: riders, ByteTracker, SceneMeasurer's LineZone),
 * with the motion the detect stage measures simulated on each detection (or none: `motion` false).
 * No video is rendered, so the decoder, detector and block matching are not part of this figure;
 * the real clips are (eval-counts.ts).
 *
 * @example
 *   const rows = syntheticCounts([1, 2, 3], [2, 5], true);
 *   const leaving = syntheticCounts([1, 2, 3], [2, 5], true, true); // traffic driving away
 */
export function syntheticCounts(seeds: number[], rates: number[], motion = true, away = false): CountRow[] {
  const rows: CountRow[] = [];
  for (const seed of seeds) {
    for (const fps of rates) {
      const scene = highwayScene({ seed, fps, durationS: 60, motion, away });
      const analytics = new CameraAnalytics(
        'synthetic',
        { lines: [HIGHWAY_LINE], zones: [], inertiaFrames: 1 },
        { tracker: TRACKER },
      );
      const counted = new Map<string, number>();
      const crossings = scene.frames.flatMap(
        (f) => analytics.update(f.detections, f.tsMs, { sourceId: 'synthetic', segment: 0 }).crossings,
      );
      // The scene ends as a file does: what waited on a vanished track counts (as in backfill).
      for (const c of [...crossings, ...analytics.finish().crossings]) {
        const key = `${c.direction} ${c.cls}`;
        counted.set(key, (counted.get(key) ?? 0) + 1);
      }
      const clip = `highway${away ? ' away' : ''} seed ${seed}${motion ? '' : ' (no motion)'}`;
      const truthTotal = Object.values(scene.crossings).reduce((a, b) => a + (b ?? 0), 0);
      const count = (direction: string, cls?: string) =>
        [...counted]
          .filter(([k]) => k.startsWith(`${direction} `) && (!cls || k.endsWith(` ${cls}`)))
          .reduce((a, [, n]) => a + n, 0);
      for (const direction of ['positive', 'negative']) {
        const truth = direction === scene.direction ? truthTotal : 0;
        rows.push({
          clip,
          fps,
          direction,
          class: 'all',
          truth,
          counted: count(direction),
          allowed: allowedError(truth, fps),
        });
      }
      for (const [cls, truth] of Object.entries(scene.crossings)) {
        rows.push({
          clip,
          fps,
          direction: scene.direction,
          class: cls,
          truth: truth ?? 0,
          counted: count(scene.direction, cls),
          allowed: null,
        });
      }
    }
  }
  return rows;
}
