import { describe, expect, test } from 'vitest';
import { type SyntheticScene, syntheticScene } from '../../benchmarks/tracking/synthetic-scene.ts';
import { bottomCentre } from '../../pipeline/scene/geometry.ts';
import { LineZone } from '../../pipeline/scene/line-zone.ts';
import { PolygonZone } from '../../pipeline/scene/polygon-zone.ts';
import { ByteTracker } from '../../pipeline/track/byte-tracker.ts';
import type { SceneLine } from '../../schemas/scene.ts';

// A vertical line across the whole 1920×1080 frame, heading down: its left side (on screen) is x > 960,
// so vehicles driving right (+x) cross positive, vehicles driving left negative.
const LINE: SceneLine = { id: 'mid', from: [960, 0], to: [960, 1080] };

/** True crossings: vehicles whose true bottom-centre was seen on both sides of x = 960. */
function truthCrossings(scene: SyntheticScene): { positive: number; negative: number } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (const f of scene.frames) {
    for (const t of f.truth) {
      const [x] = bottomCentre(t.box);
      if (!first.has(t.id)) first.set(t.id, x);
      last.set(t.id, x);
    }
  }
  let positive = 0;
  let negative = 0;
  for (const [id, x0] of first) {
    const x1 = last.get(id) ?? x0;
    if (x0 < 960 && x1 > 960) positive++;
    if (x0 > 960 && x1 < 960) negative++;
  }
  return { positive, negative };
}

describe('LineZone behind ByteTracker on a synthetic scene', () => {
  // At 5 fps (inertiaFrames 2) the counts are within 5 % of the truth. At 2 fps a car moves 125–275 px
  // between frames and is missed or occluded in many of its few frames on each side, so inertiaFrames
  // must be 1 there (a second observation on the new side often never comes); the tracker also loses
  // more identities, and a track whose id changes near the line is seen on one side only under each
  // id, so the line undercounts by up to ~20 % (tracker-limited, see the note in the report).
  for (const [seed, fps, inertiaFrames, tolerance] of [
    [1, 5, 2, 0.05],
    [2, 5, 2, 0.05],
    [3, 5, 2, 0.05],
    [3, 2, 1, 0.2],
    [5, 2, 1, 0.2],
  ] as const) {
    test(`seed ${seed} at ${fps} fps: counts per direction match the true crossings within ${tolerance * 100} %`, () => {
      const scene = syntheticScene({ seed, fps, durationS: 60 });
      const truth = truthCrossings(scene);
      // The settings config.ts gives the tracker for the built-in detector.
      const tracker = new ByteTracker({
        highThreshold: 0.4,
        newTrackThreshold: 0.4,
        minHits: 2,
        lostTtlMs: 2000,
      });
      const line = new LineZone(LINE, { inertiaFrames });
      const lanes = new PolygonZone({
        id: 'right-half',
        polygon: [
          [960, 0],
          [1920, 0],
          [1920, 1080],
          [960, 1080],
        ],
      });
      let exits = 0;
      for (const f of scene.frames) {
        const tracked = tracker.update(f.detections, f.tsMs);
        line.update(tracked, f.tsMs);
        exits += lanes.update(tracked, f.tsMs).left.length;
      }
      const c = line.counts();
      console.log(
        `seed ${seed} ${fps} fps: truth +${truth.positive} −${truth.negative}, counted +${c.positive} −${c.negative}`,
      );
      expect(truth.positive).toBeGreaterThan(20);
      expect(truth.negative).toBeGreaterThan(20);
      expect(Math.abs(c.positive - truth.positive)).toBeLessThanOrEqual(
        Math.ceil(tolerance * truth.positive),
      );
      expect(Math.abs(c.negative - truth.negative)).toBeLessThanOrEqual(
        Math.ceil(tolerance * truth.negative),
      );
      expect(exits).toBeGreaterThan(0);
    });
  }
});
