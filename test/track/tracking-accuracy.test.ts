import { describe, expect, test } from 'vitest';
import { denseScene, evaluateTracker, timeUpdates } from '../../benchmarks/tracking/evaluate.ts';
import { syntheticScene } from '../../benchmarks/tracking/synthetic-scene.ts';

// Default scene noise: 10 % missed detections, 3 % box jitter, 0.2 false positives per frame, one 1 s
// occlusion for 20 % of vehicles, 10 % low-score detections, 5 % wrong classes; 4 lanes, both
// directions, 250–550 px/s on a 1920-px-wide frame. Floors sit a little under the values measured on
// these seeds (benchmarks/tracking/evaluate.ts prints them).
const SEEDS = [1, 2, 3];

describe('synthetic scene', () => {
  test('is deterministic for a seed, and the same traffic at any fps', () => {
    const a = syntheticScene({ seed: 9, fps: 5, durationS: 20 });
    expect(syntheticScene({ seed: 9, fps: 5, durationS: 20 })).toEqual(a);
    expect(syntheticScene({ seed: 10, fps: 5, durationS: 20 })).not.toEqual(a);
    const slow = syntheticScene({ seed: 9, fps: 2, durationS: 20 });
    expect(slow.frames).toHaveLength(40);
    // Frames at the same instant show the same true boxes.
    const boxes = (f?: { truth: { id: number; box: object }[] }) =>
      f?.truth.map((t) => ({ id: t.id, box: t.box }));
    expect(boxes(slow.frames[4])).toEqual(boxes(a.frames.find((f) => f.tsMs === slow.frames[4].tsMs)));
  });

  test('has the noise it promises', () => {
    const { frames } = syntheticScene({ seed: 1, fps: 5, durationS: 60, occlusionChance: 0 });
    const truth = frames.flatMap((f) => f.truth);
    const missed = truth.filter((t) => !t.detected).length / truth.length;
    expect(missed).toBeGreaterThan(0.07);
    expect(missed).toBeLessThan(0.13);
    const dets = frames.reduce((n, f) => n + f.detections.length, 0);
    const fp = (dets - (truth.length - truth.filter((t) => !t.detected).length)) / frames.length;
    expect(fp).toBeGreaterThan(0.1);
    expect(fp).toBeLessThan(0.3);
  });
});

describe('ByteTracker on synthetic traffic', () => {
  test.each(SEEDS)('5 fps, seed %i: IDF1 ≥ 0.95 on detected objects, MOTA high', (seed) => {
    const { all, detected } = evaluateTracker(syntheticScene({ seed, fps: 5, durationS: 60 }));
    console.log(
      `5 fps seed ${seed}: detected IDF1 ${detected.idf1.toFixed(3)} MOTA ${detected.mota.toFixed(3)};` +
        ` all IDF1 ${all.idf1.toFixed(3)} MOTA ${all.mota.toFixed(3)} IDSW ${all.idSwitches}`,
    );
    expect(detected.idf1).toBeGreaterThanOrEqual(0.95);
    expect(detected.mota).toBeGreaterThanOrEqual(0.9);
    // Against every visible object the detector's own misses (~12 %) count too.
    expect(all.idf1).toBeGreaterThanOrEqual(0.85);
    expect(all.mota).toBeGreaterThanOrEqual(0.75);
    expect(all.idSwitches).toBeLessThanOrEqual(3);
  });

  test.each(SEEDS)('2 fps, seed %i: still tracks', (seed) => {
    const { all, detected } = evaluateTracker(syntheticScene({ seed, fps: 2, durationS: 60 }));
    console.log(
      `2 fps seed ${seed}: detected IDF1 ${detected.idf1.toFixed(3)} MOTA ${detected.mota.toFixed(3)};` +
        ` all IDF1 ${all.idf1.toFixed(3)} MOTA ${all.mota.toFixed(3)} IDSW ${all.idSwitches}`,
    );
    // Lower mainly because a track is reported from its second detection, half a second in.
    expect(detected.idf1).toBeGreaterThanOrEqual(0.85);
    expect(detected.mota).toBeGreaterThanOrEqual(0.75);
    expect(all.mota).toBeGreaterThanOrEqual(0.6);
    expect(all.idSwitches).toBeLessThanOrEqual(10);
  });

  test.each([5, 2])('ids survive 1 s occlusions at %i fps', (fps) => {
    // Every vehicle is hidden once for a second, somewhere along its way.
    let switches = 0;
    let vehicles = 0;
    for (const seed of SEEDS) {
      const scene = syntheticScene({ seed, fps, durationS: 60, occlusionChance: 1, occlusionMs: 1000 });
      switches += evaluateTracker(scene).all.idSwitches;
      vehicles += scene.vehicles;
    }
    console.log(`${fps} fps, every vehicle occluded 1 s: ${switches} id switches over ${vehicles} vehicles`);
    // Measured: ~3 % at 5 fps, ~8 % at 2 fps (a 1 s gap is two missed frames there, and young tracks
    // with a poor velocity estimate are the ones that lose their vehicle).
    expect(switches / vehicles).toBeLessThanOrEqual(fps >= 5 ? 0.05 : 0.1);
  });

  test('cost per update with ~100 objects in view (printed, not asserted)', () => {
    const { msPerUpdate, objects } = timeUpdates(denseScene(1, 5, 10));
    console.log(
      `ByteTracker.update: ${msPerUpdate.toFixed(3)} ms with ${objects.toFixed(0)} objects in view`,
    );
    expect(objects).toBeGreaterThan(90);
  });
});
